"""Users, roles and who changed them (tables app_user, access_log)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection

from dashboard.core import access, schema


def find_user(conn: Connection, email: str) -> access.User | None:
    """The user with this e-mail and their role, or None when not listed."""
    u = schema.app_user
    if not email:
        return None
    row = conn.execute(select(u.c.email, u.c.role, u.c.municipality_id)
                       .where(u.c.email == access.normalise_email(email))).first()
    if row is None or row.role not in access.ROLES:
        return None
    return access.User(email=row.email, role=row.role, municipality_id=row.municipality_id)


def users(conn: Connection) -> pd.DataFrame:
    """Columns: email, role, role_label, municipality_id, municipality, updated_at, updated_by;
    ordered by role (ЦУР, руководство, муниципалитет) then e-mail."""
    u, m = schema.app_user, schema.municipality
    cols = ["email", "role", "role_label", "municipality_id", "municipality", "updated_at", "updated_by"]
    if not inspect(conn).has_table("app_user"):
        return pd.DataFrame(columns=cols)
    rows = conn.execute(
        select(u.c.email, u.c.role, u.c.municipality_id, m.c.name.label("municipality"), u.c.updated_at,
               u.c.updated_by)
        .select_from(u.outerjoin(m, m.c.id == u.c.municipality_id))).all()
    order = {access.TSUR: 0, access.LEADERSHIP: 1, access.MUNICIPALITY: 2}
    rows = sorted(rows, key=lambda r: (order.get(r.role, 9), r.email))
    return pd.DataFrame(
        [{"email": r.email, "role": r.role, "role_label": access.ROLES.get(r.role, r.role),
          "municipality_id": r.municipality_id, "municipality": r.municipality or "",
          "updated_at": r.updated_at, "updated_by": r.updated_by} for r in rows],
        columns=cols)


def access_history(conn: Connection, limit: int = 50) -> pd.DataFrame:
    """The latest changes of users, newest first. Columns: at (UTC), actor, action, email, role_label,
    municipality."""
    a, m = schema.access_log, schema.municipality
    rows = conn.execute(
        select(a.c.at, a.c.actor, a.c.action, a.c.email, a.c.role, m.c.name.label("municipality"))
        .select_from(a.outerjoin(m, m.c.id == a.c.municipality_id))
        .order_by(a.c.at.desc(), a.c.id.desc()).limit(limit)).all()
    return pd.DataFrame(
        [{"at": r.at, "actor": r.actor, "action": r.action, "email": r.email,
          "role_label": access.ROLES.get(r.role, r.role or ""), "municipality": r.municipality or ""}
         for r in rows],
        columns=["at", "actor", "action", "email", "role_label", "municipality"])
