"""Django admin for billing: wallets (mode, credit limit, billing details), the read-only
ledger, invoices (issue, mark paid, void) and payouts (approve, mark paid).

Money changes go through the services, so the ledger, the events and serving stay in step.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Sum

from apps.campaigns.admin import _run_each

from . import selectors, services
from .models import (
    Invoice,
    InvoiceItem,
    InvoiceSequence,
    InvoiceStatus,
    Payment,
    Payout,
    PayoutLine,
    SpendPosting,
    Transaction,
    Wallet,
)
from .money import cents


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only services write: viewable, never added, edited or deleted here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Wallet)
class WalletAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "advertiser",
        "currency",
        "mode",
        "credit_limit",
        "posted_balance",
        "spend_posted_until",
    ]
    list_filter = ["mode", "currency", ("credit_limit", admin.EmptyFieldListFilter)]
    search_fields = ["advertiser__company", "advertiser__user__email", "billing_name", "vat_id"]
    list_select_related = ["advertiser"]
    fields = [
        "advertiser",
        "currency",
        "mode",
        "credit_limit",
        "balance",
        "billing_name",
        "billing_address",
        "vat_id",
        "spend_posted_until",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [
        "advertiser",
        "currency",
        "balance",
        "spend_posted_until",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(ledger_micros=Sum("transactions__amount_micros"))
        )

    @admin.display(description="Ledger balance (posted)")
    def posted_balance(self, wallet) -> str:
        return f"{cents(wallet.ledger_micros or 0)} {wallet.currency}"

    @admin.display(description="Balance (with unposted spend)")
    def balance(self, wallet) -> str:
        return f"{cents(selectors.wallet_balance_micros(wallet=wallet))} {wallet.currency}"

    def has_add_permission(self, request) -> bool:
        return False  # every advertiser gets its wallet automatically

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        services.wallet_update(
            wallet=obj, **{name: form.cleaned_data[name] for name in form.changed_data}
        )


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "wallet",
        "publisher",
        "amount_cents",
        "currency",
        "day",
        "description",
        "created_by",
    ]
    list_filter = ["kind", "method", "currency", "created_at"]
    search_fields = [
        "uuid",
        "description",
        "reference",
        "wallet__advertiser__company",
        "publisher__name",
        "invoice__number",
    ]
    list_select_related = ["wallet__advertiser", "publisher", "created_by"]
    date_hierarchy = "created_at"


@admin.register(SpendPosting)
class SpendPostingAdmin(ReadOnlyAdmin):
    list_display = ["day", "wallet", "spend", "period_start", "period_end", "posted_at"]
    list_filter = ["day", "posted_at"]
    search_fields = ["wallet__advertiser__company", "wallet__advertiser__user__email"]
    list_select_related = ["wallet__advertiser"]

    @admin.display(description="Spend")
    def spend(self, posting) -> str:
        return str(cents(posting.spend_micros))


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "wallet", "provider", "amount", "currency", "status"]
    list_filter = ["status", "provider", "currency"]
    search_fields = ["uuid", "external_id", "wallet__advertiser__company"]
    list_select_related = ["wallet__advertiser"]


class InvoiceItemInline(admin.TabularInline):
    model = InvoiceItem
    fields = ["description", "campaign_id", "impressions", "clicks", "conversions", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "wallet",
        "status",
        "period_start",
        "period_end",
        "total",
        "currency",
        "issued_at",
        "paid_at",
    ]
    list_filter = ["status", "currency", "period_end", "issued_at"]
    search_fields = ["number", "uuid", "wallet__advertiser__company", "billing_name", "vat_id"]
    list_select_related = ["wallet__advertiser"]
    inlines = [InvoiceItemInline]
    actions = ["issue", "mark_paid", "void"]

    @admin.action(description="Issue selected draft invoices")
    def issue(self, request, queryset):
        _run_each(
            self,
            request,
            queryset.filter(status=InvoiceStatus.DRAFT),
            lambda i: services.invoice_issue(invoice=i, actor=request.user),
            "issued",
        )

    @admin.action(description="Mark selected invoices paid")
    def mark_paid(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda i: services.invoice_mark_paid(invoice=i, actor=request.user),
            "marked paid",
        )

    @admin.action(description="Void selected invoices")
    def void(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda i: services.invoice_void(
                invoice=i, actor=request.user, reason="Voided in admin"
            ),
            "voided",
        )


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(ReadOnlyAdmin):
    list_display = ["year", "last_number"]


class PayoutLineInline(admin.TabularInline):
    model = PayoutLine
    fields = ["zone_id", "zone_name", "website_name", "impressions", "clicks", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = [
        "publisher",
        "period_start",
        "period_end",
        "amount",
        "currency",
        "status",
        "payout_method",
        "paid_at",
    ]
    list_filter = ["status", "currency", "payout_method", "period_end"]
    search_fields = ["uuid", "publisher__name", "publisher__user__email", "reference"]
    list_select_related = ["publisher"]
    inlines = [PayoutLineInline]
    actions = ["approve", "mark_paid"]

    @admin.action(description="Approve selected payouts")
    def approve(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda p: services.payout_approve(payout=p, actor=request.user),
            "approved",
        )

    @admin.action(description="Mark selected payouts paid")
    def mark_paid(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda p: services.payout_mark_paid(payout=p, actor=request.user),
            "marked paid",
        )
