"""SQL for API tokens: stored as sha256 hashes, shown once at creation."""

from __future__ import annotations

import hashlib
import secrets
import time

from runyard.store.models import Token
from runyard.store.sql.conn import Conn
from runyard.store.sql.rows import fetch_one, insert_id
from runyard.store.validate import check_name

TOKEN_PREFIX = "ry_"
_COLUMNS = "id, tenant, name, prefix, created_at, revoked_at, last_used_at"


def hash_secret(secret: str) -> str:
    """Tokens carry 256 random bits, so a plain sha256 is a sound lookup hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create(conn: Conn, tenant: str, name: str) -> tuple[Token, str]:
    """Insert a token; return it with its secret."""
    tenant = check_name(tenant, "tenant")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = insert_id(
        conn,
        "INSERT INTO tokens (tenant, name, prefix, secret_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        (tenant, name, secret[:10], hash_secret(secret), time.time()),
    )
    return get(conn, token_id), secret


def get(conn: Conn, token_id: int) -> Token:
    """Token by id."""
    return Token(*fetch_one(conn, f"SELECT {_COLUMNS} FROM tokens WHERE id = ?", (token_id,),
                            f"token {token_id} not found"))


def list_(conn: Conn, tenant: str | None) -> list[Token]:
    """Tokens, oldest first."""
    if tenant is None:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM tokens ORDER BY id").fetchall()
    else:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM tokens WHERE tenant = ? ORDER BY id", (tenant,)).fetchall()
    return [Token(*row) for row in rows]


def revoke(conn: Conn, token_id: int) -> Token:
    """Set revoked_at (kept: an audit trail beats a silent delete)."""
    get(conn, token_id)
    conn.execute("UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", (time.time(), token_id))
    return get(conn, token_id)


def records(conn: Conn) -> list[tuple[Token, str]]:
    """Every token with its secret hash, oldest first."""
    rows = conn.execute(f"SELECT {_COLUMNS}, secret_hash FROM tokens ORDER BY id").fetchall()
    return [(Token(*row[:-1]), str(row[-1])) for row in rows]


def keep(conn: Conn, token: Token, secret_hash: str) -> Token:
    """Insert a copied token record unless its hash is already here; the record as stored."""
    conn.execute(
        "INSERT INTO tokens (tenant, name, prefix, secret_hash, created_at, revoked_at, last_used_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (secret_hash) DO NOTHING",
        (check_name(token.tenant, "tenant"), token.name, token.prefix, secret_hash, token.created_at,
         token.revoked_at, token.last_used_at))
    row = fetch_one(conn, f"SELECT {_COLUMNS} FROM tokens WHERE secret_hash = ?", (secret_hash,),
                    "token not found")
    return Token(*row)


def tenant_of(conn: Conn, secret: str) -> str | None:
    """Tenant of a live token."""
    row = conn.execute(
        "SELECT tenant FROM tokens WHERE secret_hash = ? AND revoked_at IS NULL", (hash_secret(secret),)
    ).fetchone()
    return None if row is None else str(row[0])
