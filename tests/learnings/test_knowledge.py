"""The knowledge base on the service side: what a published learning's post shows, who
may publish it, the author's confirmation when it names someone, and withdrawing the
post when the learning is deleted, made less shared or erased."""

from __future__ import annotations

import pytest

from bot.crypto import Keyring
from bot.db import Database
from bot.errors import Conflict, NotAllowed
from bot.models import KnowledgePost, Member, SharingLevel
from bot.services import mydata
from bot.services.learnings import knowledge, store
from bot.services.mydata import Person, PostCleanup
from bot.services.mydata_sources import contributors
from tests.builders import LEARNED_AT, add_learning, add_member

NOW = LEARNED_AT
FORUM = 930000000000000001


async def people(db: Database) -> tuple[Member, Member]:
    async with db.transaction() as session:
        dee = await add_member(
            session, "Dee Dawson", None, user_id=44, organisation="CQ Housing", first_seen_at=NOW
        )
        eli = await add_member(
            session, "Eli Evans", None, user_id=55, organisation="Rocky Council", first_seen_at=NOW
        )
    return dee, eli


async def learning(
    db: Database,
    keyring: Keyring,
    author: Member,
    level: SharingLevel,
    learned: str = "Ask early, listen twice.",
) -> int:
    """A learning of ``author``'s about co-design, themed trust and funding."""
    return await add_learning(
        db, keyring, author, level, title="Co-design", learned=learned, tags="trust, funding"
    )


async def publish(db: Database, keyring: Keyring, author: Member, ident: int, thread: int) -> None:
    async with db.transaction() as session:
        content = await knowledge.post_content(session, keyring, ident, author)
        claim = await knowledge.claim(session, ident, FORUM, content.anonymous, NOW)
        await knowledge.posted(session, claim.id, thread, NOW)


async def published(
    db: Database, keyring: Keyring, level: SharingLevel, thread: int
) -> tuple[Member, Member, int]:
    """Dee and Eli, and a learning of Dee's shared at ``level`` and published as ``thread``."""
    dee, eli = await people(db)
    ident = await learning(db, keyring, dee, level)
    await publish(db, keyring, dee, ident, thread)
    return dee, eli, ident


async def claimed_not_posted(db: Database, keyring: Keyring) -> tuple[int, int]:
    """A group learning of Dee's, claimed for the forum at NOW but not posted (yet): the
    learning's id and the claim's."""
    dee, _ = await people(db)
    ident = await learning(db, keyring, dee, SharingLevel.GROUP)
    async with db.transaction() as session:
        claim = await knowledge.claim(session, ident, FORUM, False, NOW)
        return ident, claim.id


@pytest.mark.parametrize(
    ("level", "author"),
    [
        (SharingLevel.DIGEST_NAMED, "Dee Dawson"),
        (SharingLevel.GROUP, "Dee Dawson"),
        (SharingLevel.DIGEST_ANONYMOUS, None),
    ],
)
async def test_knowledge_post_shows_the_name_only_when_not_anonymous(
    db: Database, keyring: Keyring, level: SharingLevel, author: str | None
) -> None:
    dee, _ = await people(db)
    ident = await learning(db, keyring, dee, level)
    async with db.transaction() as session:
        shown = await knowledge.post_content(session, keyring, ident, dee)
    assert shown.author == author
    assert shown.anonymous == (author is None)
    assert shown.theme == "trust"
    assert shown.text.learned == "Ask early, listen twice."


async def test_knowledge_publish_refuses_private_and_other_peoples_learnings(
    db: Database, keyring: Keyring
) -> None:
    dee, eli = await people(db)
    private = await learning(db, keyring, dee, SharingLevel.PRIVATE)
    shared = await learning(db, keyring, dee, SharingLevel.GROUP)
    async with db.transaction() as session:
        with pytest.raises(NotAllowed, match="private"):
            await knowledge.post_content(session, keyring, private, dee)
        with pytest.raises(NotAllowed, match="isn't yours"):
            await knowledge.post_content(session, keyring, shared, eli)


async def test_knowledge_flags_names_of_others_but_not_a_named_authors_own(
    db: Database, keyring: Keyring
) -> None:
    dee, _ = await people(db)
    mentions_eli = await learning(
        db, keyring, dee, SharingLevel.DIGEST_NAMED, "Eli from Rocky Council opened doors."
    )
    mentions_self = await learning(
        db, keyring, dee, SharingLevel.DIGEST_NAMED, "Dee Dawson at CQ Housing learned it."
    )
    anonymous_self = await learning(
        db, keyring, dee, SharingLevel.DIGEST_ANONYMOUS, "Dee Dawson learned it."
    )
    async with db.transaction() as session:
        eli_flags = (await knowledge.post_content(session, keyring, mentions_eli, dee)).flags
        own = (await knowledge.post_content(session, keyring, mentions_self, dee)).flags
        anon = (await knowledge.post_content(session, keyring, anonymous_self, dee)).flags
    assert "Rocky Council" in eli_flags
    assert "Eli" in eli_flags
    assert own == ()
    assert "Dee Dawson" in anon  # an anonymous post must not name its author either


async def test_knowledge_publishing_twice_is_refused_and_browse_links_the_post(
    db: Database, keyring: Keyring
) -> None:
    dee, eli, ident = await published(db, keyring, SharingLevel.GROUP, 777)
    async with db.transaction() as session:
        with pytest.raises(Conflict, match="already published"):
            await knowledge.claim(session, ident, FORUM, False, NOW)
    async with db.transaction() as session:
        page = await store.browse(session, keyring, eli, None, 1, 10)
        mine = await store.my_learnings(session, keyring, dee, 1, 10)
        assert await knowledge.touched(session, ident, NOW) == 777
    assert [v.post_id for v in page.items] == [777]
    assert [v.post_id for v in mine.items] == [777]


@pytest.mark.parametrize(
    ("old", "new", "kept"),
    [
        (SharingLevel.GROUP, SharingLevel.DIGEST_NAMED, True),
        (SharingLevel.DIGEST_NAMED, SharingLevel.GROUP, False),
        (SharingLevel.GROUP, SharingLevel.PRIVATE, False),
        (SharingLevel.GROUP, SharingLevel.DIGEST_ANONYMOUS, False),
        (SharingLevel.DIGEST_ANONYMOUS, SharingLevel.DIGEST_NAMED, False),
    ],
)
async def test_knowledge_post_is_withdrawn_when_sharing_is_lowered_or_anonymity_changes(
    db: Database, keyring: Keyring, old: SharingLevel, new: SharingLevel, kept: bool
) -> None:
    dee, _, ident = await published(db, keyring, old, 778)
    async with db.transaction() as session:
        await store.set_sharing(session, keyring, ident, dee, new, NOW)
    async with db.transaction() as session:
        withdrawn = await knowledge.withdrawn(session)
        links = await knowledge.threads_for(session, [ident])
    assert withdrawn == ([] if kept else [778])
    assert links == ({ident: 778} if kept else {})


async def test_knowledge_post_is_withdrawn_when_deleted_then_forgotten_once_removed(
    db: Database, keyring: Keyring
) -> None:
    dee, _, ident = await published(db, keyring, SharingLevel.GROUP, 779)
    async with db.transaction() as session:
        await store.delete_learning(session, ident, dee)
    async with db.transaction() as session:
        assert await knowledge.withdrawn(session) == [779]
        await knowledge.removed(session, 779)
    async with db.transaction() as session:
        assert await knowledge.withdrawn(session) == []
        assert await session.get(KnowledgePost, 1) is None


async def test_knowledge_posts_go_with_mydata_delete(db: Database, keyring: Keyring) -> None:
    dee, eli = await people(db)
    mine = await learning(db, keyring, dee, SharingLevel.DIGEST_ANONYMOUS)
    theirs = await learning(db, keyring, eli, SharingLevel.GROUP)
    await publish(db, keyring, dee, mine, 780)
    await publish(db, keyring, eli, theirs, 781)
    async with db.transaction() as session:
        member = await session.get(Member, dee.id)
        assert member is not None
        exported = await mydata.collect(Person(session, member, NOW, keyring), contributors())
    assert [p["forum_post_id"] for p in exported["learnings"]["knowledge_base_posts"]] == [780]
    async with db.transaction() as session:
        member = await session.get(Member, dee.id)
        assert member is not None
        result = await mydata.erase(Person(session, member, NOW, keyring), contributors())
    assert PostCleanup(780, None) in result.posts
    assert all(p.channel != 781 for p in result.posts)
    async with db.transaction() as session:
        assert await knowledge.withdrawn(session) == [780]
        assert await knowledge.threads_for(session, [theirs]) == {theirs: 781}


async def test_knowledge_unclaim_forgets_a_post_that_was_never_made(
    db: Database, keyring: Keyring
) -> None:
    ident, claim_id = await claimed_not_posted(db, keyring)
    async with db.transaction() as session:
        await knowledge.unclaim(session, claim_id)
    async with db.transaction() as session:
        again = await knowledge.claim(session, ident, FORUM, False, NOW)
    assert again.id is not None


async def test_knowledge_claim_interrupted_before_the_post_may_be_claimed_again(
    db: Database, keyring: Keyring
) -> None:
    ident, _ = await claimed_not_posted(db, keyring)
    async with db.transaction() as session:
        with pytest.raises(Conflict):  # a press a moment later: still being posted
            await knowledge.claim(session, ident, FORUM, False, NOW + knowledge.STALE_CLAIM / 2)
    later = NOW + knowledge.STALE_CLAIM * 2
    async with db.transaction() as session:
        again = await knowledge.claim(session, ident, FORUM, False, later)
    assert again.published_at == later
