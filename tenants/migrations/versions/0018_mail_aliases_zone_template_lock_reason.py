"""mail_aliases (aliases and catch-alls), courses.max_mail_aliases, the servers' zone template
(ipv6_address, mail_host, zone_template) and customers.lock_reason (the provider's abuse lock)

Revision ID: 0018
Revises: 0019
Create Date: 2026-12-05 00:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mail_aliases',
    sa.Column('reseller_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=False),
    sa.Column('local_part', sa.String(length=64), nullable=False),
    sa.Column('targets', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('state_reason', sa.Text(), nullable=True),
    sa.Column('state_detail', sa.Text(), nullable=True),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.Column('deleting', sa.Boolean(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_mail_aliases_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['domain_id'], ['domains.id'], name=op.f('fk_mail_aliases_domain_id_domains'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reseller_id'], ['resellers.id'], name=op.f('fk_mail_aliases_reseller_id_resellers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_aliases')),
    sa.UniqueConstraint('domain_id', 'local_part', name=op.f('uq_mail_aliases_domain_id_local_part'))
    )
    with op.batch_alter_table('mail_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_aliases_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_aliases_domain_id'), ['domain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_aliases_reseller_id'), ['reseller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_aliases_state'), ['state'], unique=False)
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_mail_aliases', sa.Integer(), nullable=False, server_default='20'))
    with op.batch_alter_table('servers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ipv6_address', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('mail_host', sa.String(length=253), nullable=True))
        batch_op.add_column(sa.Column('zone_template', sa.Text(), nullable=True))
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('lock_reason')
    with op.batch_alter_table('servers', schema=None) as batch_op:
        batch_op.drop_column('zone_template')
        batch_op.drop_column('mail_host')
        batch_op.drop_column('ipv6_address')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('max_mail_aliases')
    with op.batch_alter_table('mail_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_aliases_state'))
        batch_op.drop_index(batch_op.f('ix_mail_aliases_reseller_id'))
        batch_op.drop_index(batch_op.f('ix_mail_aliases_domain_id'))
        batch_op.drop_index(batch_op.f('ix_mail_aliases_customer_id'))
    op.drop_table('mail_aliases')
