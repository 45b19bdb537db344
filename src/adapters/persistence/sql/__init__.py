"""One SQLAlchemy 2 async adapter for SQLite, PostgreSQL and MariaDB/MySQL; the URL picks."""
