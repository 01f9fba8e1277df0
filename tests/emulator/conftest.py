"""A tiny, unmodified discord.py bot and an emulated world to run it in."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
from discord import app_commands
from discord.ext import commands

from emulator import DiscordEmulator, EmuChannel, EmuGuild, EmuRole, EmuUser, point_discord_at
from tests.emulator.wire import Wire

NO_PINGS = discord.AllowedMentions.none()


class SignupModal(discord.ui.Modal, title="Sign up"):
    name: discord.ui.TextInput[SignupModal] = discord.ui.TextInput(
        label="Your name", custom_id="name"
    )
    about: discord.ui.Label[SignupModal] = discord.ui.Label(
        text="Area",
        component=discord.ui.Select(
            custom_id="area",
            options=[discord.SelectOption(label="Health", value="health"),
                     discord.SelectOption(label="Housing", value="housing")],
        ),
    )  # fmt: skip

    async def on_submit(self, interaction: discord.Interaction) -> None:
        select = self.about.component
        assert isinstance(select, discord.ui.Select)
        await interaction.response.send_message(
            f"Thanks {self.name.value}, area {select.values[0]}", ephemeral=True
        )


class VoteView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Yes", custom_id="vote:yes", style=discord.ButtonStyle.success)
    async def yes(
        self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]
    ) -> None:
        await interaction.response.edit_message(
            content=f"{interaction.user.display_name} voted yes", view=None
        )

    @discord.ui.select(
        custom_id="vote:pick",
        options=[
            discord.SelectOption(label="A", value="a"),
            discord.SelectOption(label="B", value="b"),
        ],
    )
    async def pick(
        self, interaction: discord.Interaction, select: discord.ui.Select[VoteView]
    ) -> None:
        await interaction.response.send_message(f"picked {select.values[0]}", ephemeral=True)


class EmuTestBot(commands.Bot):
    def __init__(self, guild_id: int) -> None:
        intents = discord.Intents.default()
        intents.members = True
        super().__init__(
            command_prefix="!",
            intents=intents,
            guild_ready_timeout=0.05,
            allowed_mentions=NO_PINGS,
        )
        self.guild_id = guild_id
        self.joined: list[int] = []
        self.left: list[int] = []
        self.dm_errors: list[int] = []
        self.role_errors: list[int] = []

    async def setup_hook(self) -> None:
        guild = discord.Object(self.guild_id)
        tree = self.tree

        @tree.command(guild=guild, description="Reply pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

        @tree.command(guild=guild, description="Defer then follow up")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await asyncio.sleep(0.01)
            await interaction.followup.send("done")

        @tree.command(guild=guild, description="Open a modal")
        async def signup(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(SignupModal())

        @tree.command(guild=guild, description="Post a vote")
        async def vote(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Vote?", view=VoteView())

        @tree.command(guild=guild, description="DM a member")
        @app_commands.describe(member="who")
        async def dm(interaction: discord.Interaction, member: discord.Member) -> None:
            try:
                await member.send("hello from the bot")
            except discord.Forbidden as exc:
                self.dm_errors.append(exc.code)
                await interaction.response.send_message("their DMs are closed", ephemeral=True)
            else:
                await interaction.response.send_message("sent", ephemeral=True)

        @tree.command(guild=guild, description="Upload a file")
        async def upload(interaction: discord.Interaction) -> None:
            assert isinstance(interaction.channel, discord.TextChannel)
            data = io.BytesIO(b"name,score\nalice,3\n")
            await interaction.channel.send("report", file=discord.File(data, "report.csv"))
            await interaction.response.send_message("uploaded", ephemeral=True)

        @tree.command(guild=guild, description="Echo text without pings")
        async def echo(interaction: discord.Interaction, text: str) -> None:
            await interaction.response.send_message(text, allowed_mentions=NO_PINGS)

        role = app_commands.Group(name="role", description="Role admin", guild_ids=[self.guild_id])

        @role.command(name="add", description="Give a role")
        async def role_add(
            interaction: discord.Interaction, member: discord.Member, role: discord.Role
        ) -> None:
            try:
                await member.add_roles(role)
            except discord.NotFound as exc:
                self.role_errors.append(exc.code)
                await interaction.response.send_message("gone", ephemeral=True)
                return
            await interaction.response.send_message(f"gave {role.name}", ephemeral=True)

        @role.command(name="remove", description="Take a role")
        async def role_remove(
            interaction: discord.Interaction, member: discord.Member, role: discord.Role
        ) -> None:
            await member.remove_roles(role)
            await interaction.response.send_message(f"took {role.name}", ephemeral=True)

        tree.add_command(role)
        await tree.sync(guild=guild)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every re-IDENTIFY; not worth waiting for in tests."""

    async def on_member_join(self, member: discord.Member) -> None:
        self.joined.append(member.id)

    async def on_member_remove(self, member: discord.Member) -> None:
        self.left.append(member.id)


@dataclass
class World:
    guild: EmuGuild
    general: EmuChannel
    welcome: EmuChannel
    coordinator: EmuRole
    member_role: EmuRole
    alice: EmuUser
    bob: EmuUser
    carol: EmuUser


@pytest.fixture
async def emu() -> AsyncIterator[DiscordEmulator]:
    old_base, old_gateway = (
        discord.http.Route.BASE,
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    )
    emulator = DiscordEmulator(validate_bodies=True)
    await emulator.start()
    point_discord_at(emulator.api_base_url, emulator.gateway_url)
    try:
        yield emulator
    finally:
        await emulator.stop()
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@pytest.fixture
def world(emu: DiscordEmulator) -> World:
    guild = emu.add_guild("CQ Partnership Brokers")
    general = emu.add_channel(guild.id, "general")
    welcome = emu.add_channel(guild.id, "welcome")
    coordinator = emu.add_role(guild.id, "Coordinator")
    member_role = emu.add_role(guild.id, "Member")
    alice = emu.add_user("alice", global_name="Alice")
    bob = emu.add_user("bob", global_name="Bob")
    carol = emu.add_user("carol")
    emu.add_member(guild.id, alice.id, roles=[coordinator.id])
    emu.add_member(guild.id, bob.id)
    return World(guild, general, welcome, coordinator, member_role, alice, bob, carol)


@pytest.fixture
async def bot(emu: DiscordEmulator, world: World) -> AsyncIterator[EmuTestBot]:
    client = EmuTestBot(world.guild.id)
    runner = asyncio.create_task(client.start(emu.bot_token))
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait(
            {runner, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED
        )
        if runner in done:
            runner.result()  # raises the start-up error
        if ready not in done:
            raise TimeoutError("the bot did not become ready against the emulator")
        yield client
        # Everything discord.py sent must be a body Discord's spec accepts.
        emu.assert_no_invalid_bodies()
    finally:
        ready.cancel()
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(runner, timeout=5)


@pytest.fixture
async def wire(emu: DiscordEmulator) -> AsyncIterator[Wire]:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws,
    ):
        yield Wire(ws)
