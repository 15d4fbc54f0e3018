"""`escucha channel`: connect a tenant's platform accounts; tokens are sealed, never shown."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.table import Table

from config.settings import get_settings
from escucha.cli.database import migrated_engine

if TYPE_CHECKING:
    from escucha.store.channel_credentials import ChannelCredentials, Platform

app = typer.Typer(help="Platform accounts a tenant answers from: tokens stored sealed.")
connect_app = typer.Typer(help="Connect an account: its events become the tenant's.")
app.add_typer(connect_app, name="connect")
console = Console()
err = Console(stderr=True, soft_wrap=True)
Tenant = Annotated[str, typer.Option("--tenant", help="the tenant that owns the account")]
OrGroupTenant = Annotated[
    str | None, typer.Option("--tenant", help="the tenant (or give it before the platform)")
]


@connect_app.callback()
def _connect_group(ctx: typer.Context, tenant: OrGroupTenant = None) -> None:
    """`escucha channel connect --tenant T meta ...` and `... meta --tenant T ...` both work."""
    ctx.meta["escucha.tenant"] = tenant


def _tenant(ctx: typer.Context, tenant: str | None) -> str:
    chosen = tenant or ctx.meta.get("escucha.tenant")
    if not chosen:
        err.print("[red]which tenant?[/] give --tenant T")
        raise typer.Exit(2)
    return str(chosen)


Token = Annotated[
    str, typer.Option(prompt=True, hide_input=True, help="the access token (asked when omitted)")
]


def _credentials() -> ChannelCredentials:
    from escucha.core.sealed import installation_sealer
    from escucha.store.channel_credentials import ChannelCredentials

    return ChannelCredentials(migrated_engine(), installation_sealer(get_settings().stores))


def _connect(tenant: str, platform: Platform, account: str, token: str, **details: str) -> None:
    from escucha.store.channel_credentials import UnknownTenant
    from escucha.store.tenants import AccountTaken

    try:
        connected = _credentials().connect(tenant, platform, account, token, **details)
    except (UnknownTenant, AccountTaken) as error:
        err.print(f"[red]not connected[/]: {error}", highlight=False)
        raise typer.Exit(2) from None
    console.print(f"connected {connected.account} to tenant {tenant}; token stored sealed")


@connect_app.command("meta")
def connect_meta(
    ctx: typer.Context,
    page_id: Annotated[str, typer.Option(help="the Facebook Page id")],
    token: Token,
    tenant: OrGroupTenant = None,
) -> None:
    """A Facebook Page, with its Page access token."""
    _connect(_tenant(ctx, tenant), "facebook", page_id, token)


@connect_app.command("instagram")
def connect_instagram(
    ctx: typer.Context,
    account_id: Annotated[str, typer.Option(help="the Instagram professional account id")],
    token: Token,
    tenant: OrGroupTenant = None,
) -> None:
    """An Instagram professional account."""
    _connect(_tenant(ctx, tenant), "instagram", account_id, token)


@connect_app.command("x")
def connect_x(
    ctx: typer.Context,
    user_id: Annotated[str, typer.Option(help="the X user id")],
    token: Token,
    tenant: OrGroupTenant = None,
) -> None:
    """An X account, with a user access token that may post."""
    _connect(_tenant(ctx, tenant), "x", user_id, token)


@connect_app.command("hubspot")
def connect_hubspot(
    ctx: typer.Context,
    portal_id: Annotated[str, typer.Option(help="the HubSpot portal (hub) id")],
    token: Token,
    tenant: OrGroupTenant = None,
) -> None:
    """A HubSpot portal, with a private app's token (crm.objects.contacts.write and .read):
    resolved cases' contacts are synced to it, and its won deals count as conversions."""
    _connect(_tenant(ctx, tenant), "hubspot", portal_id, token)


@connect_app.command("salesforce")
def connect_salesforce(
    ctx: typer.Context,
    org_id: Annotated[str, typer.Option(help="the Salesforce org id (00D...)")],
    instance_url: Annotated[str, typer.Option(help="e.g. https://acme.my.salesforce.com")],
    token: Token,
    tenant: OrGroupTenant = None,
) -> None:
    """A Salesforce org, with an access token of a user who may upsert Contacts. The org needs
    the custom fields Escucha_Id__c (External ID, Unique), Escucha_Sync_Key__c and the others
    the README lists."""
    _connect(_tenant(ctx, tenant), "salesforce", org_id, token, instance_url=instance_url)


@connect_app.command("crm-webhook")
def connect_crm_webhook(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="what the receiver is, e.g. pipedrive")],
    url: Annotated[str, typer.Option(help="where escucha posts its events (https)")],
    tenant: OrGroupTenant = None,
) -> None:
    """Any other CRM: escucha posts contact.upserted, case.resolved and lead.created to `url`,
    signed as Standard Webhooks. The signing secret is printed once: give it to the receiver."""
    from escucha.insight.alerts.destination import new_webhook_secret

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", name):
        err.print(f"[red]not connected[/]: {name!r}: a name is 1-40 of a-z, 0-9 and -",
                  highlight=False)  # fmt: skip
        raise typer.Exit(2)
    if urlsplit(url).scheme not in ("https", "http"):
        err.print(f"[red]not connected[/]: {url!r} is not an http(s) URL", highlight=False)
        raise typer.Exit(2)
    chosen = _tenant(ctx, tenant)
    secret = new_webhook_secret()
    _connect(chosen, "webhook", f"{chosen}/{name}", secret, url=url)
    console.print(f"signing secret (shown once): {secret}", highlight=False)


@connect_app.command("mastodon")
def connect_mastodon(
    ctx: typer.Context,
    instance: Annotated[str, typer.Option(help="e.g. https://mastodon.social")],
    account: Annotated[str, typer.Option(help="the account's username on that instance")],
    token: Token,
    tenant: OrGroupTenant = None,
) -> None:
    """A Mastodon account on its instance."""
    host = urlsplit(instance).netloc or instance
    account_id = f"{host}/@{account.lstrip('@')}"
    _connect(_tenant(ctx, tenant), "mastodon", account_id, token, instance=instance)


@app.command("list")
def list_channels(tenant: Tenant) -> None:
    """The tenant's connected accounts (never their tokens)."""
    table = Table(title=f"channels of {tenant}")
    for column in ("account", "platform", "connected at", "details"):
        table.add_column(column, overflow="fold")
    for channel in _credentials().of_tenant(tenant):
        details = ", ".join(f"{k}={v}" for k, v in channel.details.items()) or "-"
        table.add_row(channel.account, channel.platform, channel.connected_at.isoformat(), details)
    console.print(table)


@app.command("disconnect")
def disconnect(tenant: Tenant, account: Annotated[str, typer.Argument()]) -> None:
    """Forget an account's token (the account stays in the tenant's accounts)."""
    if not _credentials().disconnect(tenant, account):
        err.print(f"[red]{account}[/] is not connected for tenant {tenant}")
        raise typer.Exit(1)
    console.print(f"disconnected {account}")


@app.command("new-key")
def new_key() -> None:
    """Print a fresh key for ESCUCHA_SECRET_KEY."""
    from escucha.core.sealed import new_key as make

    typer.echo(make())
