"""Who fits whom: offers that meet needs (both ways), then shared interests; and the
pairing of a connection round.

Pure functions over ``Profile`` snapshots, so the rules are tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.services.onboarding import overlap

OFFER_WEIGHT = 4
"""An offer that meets a need counts more than a shared interest: people bring something."""


@dataclass(frozen=True)
class Profile:
    member_id: int
    name: str
    locality: str = ""
    interests: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fit:
    other: Profile
    score: int
    they_offer: tuple[str, ...] = ()
    """Their offers that meet my needs."""
    i_offer: tuple[str, ...] = ()
    """My offers that meet their needs."""
    shared: tuple[str, ...] = ()

    def reason(self, me: Profile) -> str:
        """Why, in one bot-written line (tags only, never a member's sentence)."""
        parts = []
        if self.shared:
            parts.append(f"you both work on {_list(self.shared[:2])}")
        if self.they_offer:
            parts.append(
                f"{self.other.name} offers {_list(self.they_offer[:2])}, which you are looking for"
            )
        if self.i_offer:
            parts.append(
                f"you offer {_list(self.i_offer[:2])}, which {self.other.name} is looking for"
            )
        if not parts:
            return f"you and {self.other.name} have not met in a round yet"
        text = "; ".join(parts)
        return text[0].upper() + text[1:] + "."


def _list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def fit(me: Profile, other: Profile) -> Fit:
    theirs = overlap(me.needs, other.offers)
    mine = overlap(other.needs, me.offers)
    shared = overlap(me.interests, other.interests)
    score = OFFER_WEIGHT * (theirs.score + mine.score) + shared.score
    # overlap() names the second list's tags; "mine" names my offers that meet their needs.
    return Fit(other, score, theirs.shared, mine.shared, shared.shared)


def rank(me: Profile, others: Iterable[Profile], *, avoid: int | None = None) -> list[Fit]:
    """Everyone who fits, best first; ``avoid`` (the last suggestion) goes last among
    equals so the same person is not suggested twice in a row when anyone else fits."""
    fits = [fit(me, o) for o in others if o.member_id != me.member_id]
    fits = [f for f in fits if f.score > 0]
    fits.sort(key=lambda f: (-f.score, f.other.member_id == avoid, f.other.member_id))
    if avoid is not None and len(fits) > 1 and fits[0].other.member_id == avoid:
        fits.append(fits.pop(0))
    return fits


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


@dataclass
class Pairing:
    groups: list[tuple[int, ...]] = field(default_factory=list)
    reasons: dict[tuple[int, ...], str] = field(default_factory=dict)


FRESH_WEIGHT = 1_000_000
"""A pair who have not met outweighs any fit: repeats only when nothing new is left."""
TOWN_WEIGHT = 1_000
"""Across localities, when ``cross_town`` is set: outweighs fit, never freshness."""


def pair_round(
    people: Sequence[Profile],
    met: set[tuple[int, int]],
    *,
    cross_town: bool = False,
) -> Pairing:
    """Pairs for one round (a trio when the numbers are odd), by maximum-weight matching
    (networkx) over every possible pair:

    - a pair who have not met weighs more than anything else, so the round has as many
      new pairs as the group allows: no repeats until everyone has met everyone;
    - with ``cross_town``, pairs across localities come next;
    - then how well they fit (offers meeting needs, shared interests).

    Deterministic: the same people and history give the same pairs.
    """
    import networkx as nx  # ~30 MB: loaded only when a round is paired

    if len(people) < 2:
        return Pairing()
    by_id = {p.member_id: p for p in people}
    ids = sorted(by_id)

    def weight(a: int, b: int) -> int:
        pa, pb = by_id[a], by_id[b]
        fresh = pair_key(a, b) not in met
        town = bool(cross_town and pa.locality and pb.locality and pa.locality != pb.locality)
        return FRESH_WEIGHT * fresh + TOWN_WEIGHT * town + fit(pa, pb).score + fit(pb, pa).score

    graph = nx.Graph()
    graph.add_nodes_from(ids)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            graph.add_edge(a, b, weight=weight(a, b) + 1)
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    result = Pairing(groups=sorted(pair_key(a, b) for a, b in matching))
    taken = {m for group in result.groups for m in group}
    left = [i for i in ids if i not in taken]
    if left:  # odd: the one left joins the pair where the two new pairs weigh most
        odd = left[0]
        best = max(
            range(len(result.groups)),
            key=lambda n: (sum(weight(odd, m) for m in result.groups[n]), -n),
        )
        result.groups[best] = (*result.groups[best], odd)
    for group in result.groups:
        first, second = by_id[group[0]], by_id[group[1]]
        result.reasons[group] = fit(first, second).reason(first)
    return result
