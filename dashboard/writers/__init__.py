"""Writers: everything that changes the database (imports, collection, demo data) and the
summary tables they refresh in the same transaction. They read and write through the core
only; no Streamlit."""
