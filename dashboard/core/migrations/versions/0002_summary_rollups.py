"""msg_daily gains n_open and receipts per local hour; coarser rollups msg_daily_mp, msg_daily_pt;
a covering index for page counts

Summary tables hold derived data only, so msg_daily is dropped and created in its
new shape, and all three are rebuilt from the raw ``message`` rows. The rebuild is
written out here, as the tables are at this revision (not imported from the writers),
so replaying the migration later gives the same result.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 03:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

N_BINS = 21
HOURS = [f"n_hour{h:02d}" for h in range(24)]
MEASURES = ["n_received", "n_answered", "n_closed", "n_open", "n_photo", "n_sat_pos", "n_sat_neg",
            "sum_resp_min", "sum_resp_work_min",
            *[f"h{i:02d}" for i in range(N_BINS)], *[f"w{i:02d}" for i in range(N_BINS)], *HOURS]


def _create(name: str, keys: list, indexes: list[list[str]]) -> None:
    op.create_table(
        name,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        *keys,
        *[sa.Column(m, sa.Integer(), nullable=False) for m in MEASURES],
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
    )
    for cols in indexes:
        op.create_index(op.f(f"ix_{name}_{'_'.join(cols)}"), name, cols, unique=False)


# As in the application at this revision.
RESPONSE_BIN_EDGES = (0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 960,
                      1440, 2160, 2880, 4320, 10080)
OPEN_STATUSES = ('new', 'in_work')
KEYS = ['day', 'week', 'month', 'municipality_id', 'platform', 'topic_id']
ROLLUP_KEYS = {'msg_daily_mp': ['day', 'week', 'month', 'municipality_id', 'platform'],
               'msg_daily_pt': ['day', 'week', 'month', 'platform', 'topic_id']}


def _lit(s: str):
    return sa.literal_column(f"'{s}'")


def _period_start(dialect: str, day, unit: str):
    """Monday of the week / first day of the month of ``day``."""
    if dialect == 'postgresql':
        return sa.cast(sa.func.date_trunc(_lit(unit), sa.cast(day, sa.DateTime)), sa.Date)
    modifiers = ('-6 days', 'weekday 1') if unit == 'week' else ('start of month',)
    return sa.type_coerce(sa.func.date(day, *[_lit(m) for m in modifiers]), sa.Date)


def _flag(cond):
    return sa.case((cond, 1), else_=0)


def _in_bin(minutes, i: int):
    cond = minutes >= RESPONSE_BIN_EDGES[i]
    if i + 1 < N_BINS:
        cond = sa.and_(cond, minutes < RESPONSE_BIN_EDGES[i + 1])
    return cond


def _rebuild_message_summaries(bind) -> None:
    """msg_daily from the raw messages, then its two rollups from msg_daily."""
    m = sa.table('message', *[sa.column(c) for c in (
        'municipality_id', 'platform', 'topic_id', 'status', 'received_hour', 'satisfaction',
        'first_response_at', 'response_minutes', 'response_work_minutes')],
        sa.column('received_day', sa.Date), sa.column('photo_report', sa.Boolean))
    answered = m.c.first_response_at.is_not(None)
    c = sa.select(
        m.c.received_day.label('day'), m.c.municipality_id, m.c.platform, m.c.topic_id,
        _flag(answered).label('answered'),
        _flag(sa.and_(m.c.status == 'closed', m.c.first_response_at.is_(None))).label('closed'),
        _flag(sa.and_(m.c.status.in_(OPEN_STATUSES), m.c.first_response_at.is_(None))).label('open'),
        m.c.received_hour.label('hour'),
        _flag(sa.and_(answered, m.c.photo_report.is_(True))).label('photo'),
        _flag(m.c.satisfaction == 1).label('pos'),
        _flag(m.c.satisfaction == -1).label('neg'),
        sa.case((answered, m.c.response_minutes), else_=None).label('resp'),
        sa.case((answered, m.c.response_work_minutes), else_=None).label('resp_work'),
    ).subquery('src').c
    dialect = bind.dialect.name
    sums = [
        sa.func.count().label('n_received'),
        sa.func.sum(c.answered).label('n_answered'),
        sa.func.sum(c.closed).label('n_closed'),
        sa.func.sum(c.open).label('n_open'),
        sa.func.sum(c.photo).label('n_photo'),
        sa.func.sum(c.pos).label('n_sat_pos'),
        sa.func.sum(c.neg).label('n_sat_neg'),
        sa.func.coalesce(sa.func.sum(c.resp), 0).label('sum_resp_min'),
        sa.func.coalesce(sa.func.sum(c.resp_work), 0).label('sum_resp_work_min'),
        *[sa.func.sum(_flag(_in_bin(c.resp, i))).label(f'h{i:02d}') for i in range(N_BINS)],
        *[sa.func.sum(_flag(_in_bin(c.resp_work, i))).label(f'w{i:02d}') for i in range(N_BINS)],
        *[sa.func.sum(_flag(c.hour == h)).label(name) for h, name in enumerate(HOURS)],
    ]
    daily = sa.select(
        c.day.label('day'), _period_start(dialect, c.day, 'week').label('week'),
        _period_start(dialect, c.day, 'month').label('month'),
        c.municipality_id, c.platform, c.topic_id, *sums,
    ).group_by(c.day, c.municipality_id, c.platform, c.topic_id)
    md = sa.table('msg_daily', *[sa.column(k) for k in KEYS + MEASURES])
    bind.execute(sa.insert(md).from_select(KEYS + MEASURES, daily))
    for name, keys in ROLLUP_KEYS.items():
        rollup = sa.table(name, *[sa.column(k) for k in keys + MEASURES])
        stmt = sa.select(*[md.c[k] for k in keys], *[sa.func.sum(md.c[k]).label(k) for k in MEASURES])
        bind.execute(sa.insert(rollup).from_select(keys + MEASURES, stmt.group_by(*[md.c[k] for k in keys])))


def upgrade() -> None:
    op.drop_index(op.f('ix_msg_daily_day_municipality_id_platform'), table_name='msg_daily')
    op.drop_table('msg_daily')
    def municipality():
        return sa.Column('municipality_id', sa.Integer(), nullable=True)

    def platform():
        return sa.Column('platform', sa.String(length=8), nullable=False)

    def topic():
        return sa.Column('topic_id', sa.Integer(), nullable=False)

    _create('msg_daily', [municipality(), platform(), topic()], [['day', 'municipality_id', 'platform']])
    _create('msg_daily_mp', [municipality(), platform()], [['day'], ['municipality_id', 'day']])
    _create('msg_daily_pt', [platform(), topic()], [['day']])

    op.create_index(op.f('ix_page_platform_municipality_id_opened_on_closed_on'), 'page',
                    ['platform', 'municipality_id', 'opened_on', 'closed_on'], unique=False)

    _rebuild_message_summaries(op.get_bind())


def downgrade() -> None:
    op.drop_index(op.f('ix_page_platform_municipality_id_opened_on_closed_on'), table_name='page')
    for name in ('msg_daily_pt', 'msg_daily_mp'):
        op.drop_table(name)
    with op.batch_alter_table('msg_daily', schema=None) as batch_op:
        for col in ['n_open', *HOURS]:
            batch_op.drop_column(col)
