"""Tenant isolation in Postgres: the API's role sees a tenant's rows only, enforced by the database.

The sink writes as the owner. The API connects as a separate role (`API_POSTGRES_DSN`, locally
`wellwon_api`) that is not the owner, is not a superuser and cannot bypass row-level security.
Every tenant table has a policy comparing `tenant_id` with the `wellwon.tenant_id` setting, which
the API sets per request transaction from the signed token (never from the request). The few
lookups that must cross tenants are narrow SECURITY DEFINER functions: the companies a user
belongs to, the user's role in a company, and the company behind an invitation token.
"""

from __future__ import annotations

from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from sinks.postgres.projection import Projection
from wellwon.config import Settings

TENANT_SETTING = "wellwon.tenant_id"
USER_SETTING = "wellwon.user_id"


def api_role(settings: Settings) -> str | None:
    """The API's role, or None when the API shares the owner's role (then RLS cannot hold)."""
    api = conninfo_to_dict(settings.api_postgres_dsn).get("user")
    owner = conninfo_to_dict(settings.postgres_dsn).get("user")
    return str(api) if api and api != owner else None


def tenancy_statements(settings: Settings, projections: tuple[Projection, ...]) -> list[sql.Composable]:
    role = api_role(settings)
    statements: list[sql.Composable] = []
    for table in (t for p in projections for t in p.tenant_tables):
        name = sql.Identifier(table)
        statements += [
            sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(name),
            sql.SQL("DROP POLICY IF EXISTS tenant_isolation ON {}").format(name),
            sql.SQL("CREATE POLICY tenant_isolation ON {} USING (tenant_id = current_setting({}, true))").format(
                name, sql.Literal(TENANT_SETTING)
            ),
        ]
    statements += [
        sql.SQL("""DROP FUNCTION IF EXISTS companies_of_user(text)"""),
        sql.SQL(
            """CREATE FUNCTION companies_of_user(member text)
               RETURNS TABLE (company_id text, role text, legal_name text, short_name text, country text,
                              status text, joined_at timestamptz)
               LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
               $$ SELECT p.tenant_id, p.role, c.legal_name, c.short_name, c.country, c.status, p.joined_at
                  FROM company_participants p JOIN companies c ON c.id = p.tenant_id
                  WHERE p.user_id = member ORDER BY p.joined_at $$"""
        ),
        sql.SQL(
            """CREATE OR REPLACE FUNCTION role_in_company(company text, member text)
               RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
               $$ SELECT p.role FROM company_participants p JOIN companies c ON c.id = p.tenant_id
                  WHERE p.tenant_id = company AND p.user_id = member AND c.status = 'active' $$"""
        ),
        sql.SQL(
            """CREATE OR REPLACE FUNCTION company_of_invitation(hash text)
               RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
               $$ SELECT tenant_id FROM company_invitations WHERE token_hash = hash $$"""
        ),
    ]
    if role is not None:
        ident = sql.Identifier(role)
        statements += [
            sql.SQL(
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {}) THEN "
                "CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; END IF; END $$"
            ).format(sql.Literal(role), ident),
            *(
                [sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(password))]
                if (password := conninfo_to_dict(settings.api_postgres_dsn).get("password"))
                else []
            ),
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident),
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(ident),
            sql.SQL("REVOKE ALL ON sink_offsets FROM {}").format(ident),
            *(sql.SQL(f"GRANT {grant} TO {{}}").format(ident) for p in projections for grant in p.api_grants),  # type: ignore[arg-type]
        ]
    return statements
