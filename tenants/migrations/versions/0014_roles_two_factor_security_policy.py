"""roles, two-factor login, the security policy: principals.access (staff admin | operator | auditor;
reseller owner | operator | readonly), each login's TOTP columns and recovery codes, the provider's
security policy (two-factor required for staff), resellers.require_totp, and the addresses each API
token was used from. Every existing staff login becomes an admin and every reseller operator an
owner, so nobody loses a right they had.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-20 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

principals = sa.table('principals', sa.column('role', sa.String), sa.column('access', sa.String))


def upgrade() -> None:
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal_id', sa.Integer(), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['principal_id'], ['principals.id'], name=op.f('fk_recovery_codes_principal_id_principals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_principal_id'), ['principal_id'], unique=False)
    op.create_table('security_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_totp_required', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_policy'))
    )
    with op.batch_alter_table('principals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('totp_secret', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('totp_pending', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
    with op.batch_alter_table('resellers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_totp', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seen_addresses', sa.Text(), nullable=True))
    op.execute(principals.update().where(principals.c.role == 'provider').values(access='admin'))
    op.execute(principals.update().where(principals.c.role == 'operator').values(access='owner'))


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('seen_addresses')
    with op.batch_alter_table('resellers', schema=None) as batch_op:
        batch_op.drop_column('require_totp')
    with op.batch_alter_table('principals', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_pending')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('access')
    op.drop_table('security_policy')
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_principal_id'))
    op.drop_table('recovery_codes')
