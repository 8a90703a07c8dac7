"""qualified invoices (適格請求書): the issuer's billing settings; on each invoice its party, status,
tax per rate, the issuer and recipient as issued, what it refers to and whether it was voided;
on each line its tax rate, period and option; receipts (money received, credit) and the payments
they make; bank-statement lines under review; OEM fees per reseller; the invoice a mail is about;
the contract party's billing email and payer name. Invoices issued before keep their numbers and
amounts and are marked as not qualified (no tax); contract invoices need no longer be unique per
(contract, kind, month): their number is.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

invoices = sa.table('managed_invoices', sa.column('id', sa.Integer), sa.column('contract_id', sa.Integer),
                    sa.column('kind', sa.String),
                    sa.column('party_id', sa.Integer), sa.column('total', sa.Integer),
                    sa.column('subtotal', sa.Integer), sa.column('recipient_name', sa.String),
                    sa.column('recipient_address', sa.String), sa.column('recipient_email', sa.String))
contracts = sa.table('managed_contracts', sa.column('id', sa.Integer), sa.column('party_id', sa.Integer))
parties = sa.table('managed_customers', sa.column('id', sa.Integer), sa.column('name', sa.String),
                   sa.column('address', sa.String), sa.column('billing_address', sa.String),
                   sa.column('contact_email', sa.String))


def _rows_of(bind, name: str) -> tuple[sa.Table, list[dict]]:
    table = sa.Table(name, sa.MetaData(), autoload_with=bind)
    return table, [dict(r) for r in bind.execute(sa.select(table)).mappings()]


def _recreating_invoices(bind, alter) -> None:
    """Run ``alter`` on managed_invoices keeping its lines and payments: on SQLite the table is
    copied and dropped, and the drop deletes (ON DELETE CASCADE) every row that refers to it."""
    kept = [_rows_of(bind, name) for name in ('managed_invoice_lines', 'managed_payments')]
    alter()
    for table, rows in kept:
        if rows and not bind.execute(sa.select(sa.func.count()).select_from(table)).scalar():
            bind.execute(table.insert(), rows)


def upgrade() -> None:
    op.create_table('billing_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer_name', sa.String(length=200), nullable=False),
    sa.Column('registration_number', sa.String(length=14), nullable=False),
    sa.Column('issuer_address', sa.String(length=400), nullable=False),
    sa.Column('issuer_phone', sa.String(length=40), nullable=False),
    sa.Column('bank_details', sa.Text(), nullable=False),
    sa.Column('tax_rounding', sa.String(length=16), nullable=False),
    sa.Column('reminder_days', sa.JSON(), nullable=False),
    sa.Column('late_damages_due_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_settings'))
    )
    op.create_table('oem_fees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reseller_id', sa.Integer(), nullable=False),
    sa.Column('plan_name', sa.String(length=100), nullable=False),
    sa.Column('plan_fee', sa.Integer(), nullable=False),
    sa.Column('server_fee', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('billing_email', sa.String(length=254), nullable=False),
    sa.Column('billing_address', sa.String(length=400), nullable=False),
    sa.Column('payer_name', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['reseller_id'], ['resellers.id'], name=op.f('fk_oem_fees_reseller_id_resellers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oem_fees')),
    sa.UniqueConstraint('reseller_id', name=op.f('uq_oem_fees_reseller_id'))
    )
    op.create_table('managed_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('reseller_id', sa.Integer(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('payer_name', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['managed_customers.id'], name=op.f('fk_managed_receipts_party_id_managed_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reseller_id'], ['resellers.id'], name=op.f('fk_managed_receipts_reseller_id_resellers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_managed_receipts'))
    )
    with op.batch_alter_table('managed_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_managed_receipts_party_id'), ['party_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_managed_receipts_reseller_id'), ['reseller_id'], unique=False)
    op.create_table('bank_statement_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('payer_name', sa.String(length=200), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('proposed_payer', sa.String(length=16), nullable=True),
    sa.Column('proposed_invoice_ids', sa.JSON(), nullable=False),
    sa.Column('match', sa.String(length=16), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['receipt_id'], ['managed_receipts.id'], name=op.f('fk_bank_statement_lines_receipt_id_managed_receipts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statement_lines')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_bank_statement_lines_fingerprint'))
    )
    with op.batch_alter_table('bank_statement_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_statement_lines_status'), ['status'], unique=False)

    with op.batch_alter_table('managed_customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('billing_email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('payer_name', sa.String(length=200), nullable=False, server_default=''))

    def alter_invoices():
        with op.batch_alter_table('managed_invoices', schema=None) as batch_op:
            batch_op.drop_constraint('uq_managed_invoices_contract_id_kind_service_month', type_='unique')
            batch_op.alter_column('contract_id', existing_type=sa.Integer(), nullable=True)
            batch_op.add_column(sa.Column('party_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='issued'))
            batch_op.add_column(sa.Column('subtotal', sa.Integer(), nullable=False, server_default='0'))
            batch_op.add_column(sa.Column('tax', sa.Integer(), nullable=False, server_default='0'))
            batch_op.add_column(sa.Column('qualified', sa.Boolean(), nullable=False, server_default=sa.false()))
            batch_op.add_column(sa.Column('tax_breakdown', sa.JSON(), nullable=False, server_default='[]'))
            batch_op.add_column(sa.Column('untaxed', sa.Integer(), nullable=False, server_default='0'))
            batch_op.add_column(sa.Column('tax_rounding', sa.String(length=16), nullable=False, server_default='floor'))
            for name, length in (('issuer_name', 200), ('issuer_address', 400), ('issuer_phone', 40),
                                 ('recipient_name', 200), ('recipient_address', 400), ('recipient_email', 254)):
                batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False, server_default=''))
            batch_op.add_column(sa.Column('registration_number', sa.String(length=14), nullable=False, server_default=''))
            batch_op.add_column(sa.Column('bank_details', sa.Text(), nullable=False, server_default=''))
            batch_op.add_column(sa.Column('note', sa.Text(), nullable=False, server_default=''))
            batch_op.add_column(sa.Column('corrects_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('voided_on', sa.Date(), nullable=True))
            batch_op.add_column(sa.Column('void_reason', sa.Text(), nullable=False, server_default=''))
            batch_op.create_index(batch_op.f('ix_managed_invoices_party_id'), ['party_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_managed_invoices_status'), ['status'], unique=False)
            batch_op.create_index(batch_op.f('ix_managed_invoices_corrects_id'), ['corrects_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f('fk_managed_invoices_party_id_managed_customers'), 'managed_customers',
                                        ['party_id'], ['id'], ondelete='SET NULL')
            batch_op.create_foreign_key(batch_op.f('fk_managed_invoices_corrects_id_managed_invoices'), 'managed_invoices',
                                        ['corrects_id'], ['id'], ondelete='SET NULL')
    _recreating_invoices(op.get_bind(), alter_invoices)

    with op.batch_alter_table('managed_invoice_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('option_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('tax_rate', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('period_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('period_to', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_managed_invoice_lines_option_id'), ['option_id'], unique=False)

    with op.batch_alter_table('managed_payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_managed_payments_receipt_id'), ['receipt_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_managed_payments_receipt_id_managed_receipts'), 'managed_receipts',
                                    ['receipt_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoice_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_invoice_id_managed_invoices'), 'managed_invoices',
                                    ['invoice_id'], ['id'], ondelete='SET NULL')

    # invoices issued so far keep their numbers and amounts: no tax, the total as it was
    bind = op.get_bind()
    i, c, p = invoices.c, contracts.c, parties.c
    rows = bind.execute(sa.select(i.id, i.total, c.party_id, p.name, p.address, p.billing_address, p.contact_email)
                        .select_from(invoices.join(contracts, c.id == i.contract_id).join(parties, p.id == c.party_id))).all()
    for row in rows:
        bind.execute(invoices.update().where(i.id == row.id).values(
            party_id=row.party_id, subtotal=row.total, recipient_name=row.name,
            recipient_address=row.billing_address or row.address or '', recipient_email=row.contact_email or ''))


def downgrade() -> None:
    bind = op.get_bind()
    i = invoices.c
    # invoices of the kinds this revision brought have no place before it
    bind.execute(sa.delete(invoices).where(i.contract_id.is_(None) | i.kind.in_(
        ['option_early', 'extra', 'late_damages', 'oem', 'credit'])))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_invoice_id_managed_invoices'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_invoice_id'))
        batch_op.drop_column('invoice_id')
    with op.batch_alter_table('managed_payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_managed_payments_receipt_id_managed_receipts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_managed_payments_receipt_id'))
        batch_op.drop_column('receipt_id')
    with op.batch_alter_table('managed_invoice_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_managed_invoice_lines_option_id'))
        for name in ('period_to', 'period_from', 'tax_rate', 'option_id'):
            batch_op.drop_column(name)
    def alter_invoices():
        with op.batch_alter_table('managed_invoices', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_managed_invoices_corrects_id_managed_invoices'), type_='foreignkey')
            batch_op.drop_constraint(batch_op.f('fk_managed_invoices_party_id_managed_customers'), type_='foreignkey')
            batch_op.drop_index(batch_op.f('ix_managed_invoices_corrects_id'))
            batch_op.drop_index(batch_op.f('ix_managed_invoices_status'))
            batch_op.drop_index(batch_op.f('ix_managed_invoices_party_id'))
            for name in ('void_reason', 'voided_on', 'corrects_id', 'note', 'bank_details', 'registration_number',
                         'recipient_email', 'recipient_address', 'recipient_name', 'issuer_phone', 'issuer_address',
                         'issuer_name', 'tax_rounding', 'untaxed', 'tax_breakdown', 'qualified', 'tax', 'subtotal',
                         'status', 'party_id'):
                batch_op.drop_column(name)
            batch_op.alter_column('contract_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_unique_constraint('uq_managed_invoices_contract_id_kind_service_month',
                                              ['contract_id', 'kind', 'service_month'])
    _recreating_invoices(bind, alter_invoices)
    # a plain DROP COLUMN (SQLite 3.35+): copying managed_customers would break the contracts' references
    op.execute('ALTER TABLE managed_customers DROP COLUMN payer_name')
    op.execute('ALTER TABLE managed_customers DROP COLUMN billing_email')
    with op.batch_alter_table('bank_statement_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_statement_lines_status'))
    op.drop_table('bank_statement_lines')
    with op.batch_alter_table('managed_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_managed_receipts_reseller_id'))
        batch_op.drop_index(batch_op.f('ix_managed_receipts_party_id'))
    op.drop_table('managed_receipts')
    op.drop_table('oem_fees')
    op.drop_table('billing_settings')
