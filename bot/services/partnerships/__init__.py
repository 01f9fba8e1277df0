"""Partnerships one person at a time: offers and needs, connection rounds, a buddy on day
one, and the partnership log.

- ``matching``: who fits whom (offers meeting needs, shared interests) and a round's pairs;
- ``offers``: what each member can offer and is looking for;
- ``rounds``: opting in, making a round, the check-in, the coordinators' counts;
- ``log``: proposing, accepting, updating a partnership, and turning it into an outcome;
- ``buddy``: a newcomer's buddy;
- ``roles``: a light role at a newcomer's first meeting (``first_meeting_roles_at`` for the
  facilitator's hand-over pack);
- ``jobs``: the background work (rounds, check-ins, buddies) queued on the outbound path;
- ``personal``: the capability's part of /mydata (``MYDATA``).
"""

from bot.config import AppConfig
from bot.errors import InvalidInput
from bot.services.partnerships import buddy, jobs, log, roles, rounds
from bot.services.partnerships.keys import key_ids_in_use, reencrypt
from bot.services.partnerships.matching import Fit, Profile, fit, pair_round, rank
from bot.services.partnerships.offers import Offers, get_offers, parse_offers, profiles, set_offers
from bot.services.partnerships.personal import CONTRIBUTOR as MYDATA
from bot.services.partnerships.roles import taken_at as first_meeting_roles_at
from bot.services.partnerships.suggest import OFFERS_BUTTON, PROPOSE_BUTTON, Suggestion, suggest
from bot.services.when import parse_recurrence


def config_problems(config: AppConfig) -> list[str]:
    """One line per mistake in [connections], naming the key (run at start)."""
    schedule = config.connections.schedule.strip()
    if not schedule:
        return []
    try:
        parse_recurrence(schedule, config.community.zone, jobs.ANCHOR)
    except InvalidInput:
        return [
            f"connections.schedule: `{schedule[:60]}` isn't a schedule; write one like "
            "`every 4 weeks on Monday at 9:00`"
        ]
    return []


__all__ = [
    "MYDATA",
    "OFFERS_BUTTON",
    "PROPOSE_BUTTON",
    "Fit",
    "Offers",
    "Profile",
    "Suggestion",
    "buddy",
    "config_problems",
    "first_meeting_roles_at",
    "fit",
    "get_offers",
    "jobs",
    "key_ids_in_use",
    "log",
    "pair_round",
    "parse_offers",
    "profiles",
    "rank",
    "reencrypt",
    "roles",
    "rounds",
    "set_offers",
    "suggest",
]
