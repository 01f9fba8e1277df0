"""Partnerships one person at a time: offers and needs, connection rounds, a buddy on day
one, and the partnership log.

- ``matching``: who fits whom (offers meeting needs, shared interests) and a round's pairs;
- ``offers``: what each member can offer and is looking for;
- ``rounds``: opting in, making a round, the check-in, the coordinators' counts;
- ``log``: proposing, accepting, updating a partnership, and turning it into an outcome;
- ``buddy``: a newcomer's buddy;
- ``jobs``: the background work (rounds, check-ins, buddies) queued on the outbound path;
- ``personal``: the capability's part of /mydata (``MYDATA``).
"""

from bot.services.partnerships import buddy, jobs, log, rounds
from bot.services.partnerships.matching import Fit, Profile, fit, pair_round, rank
from bot.services.partnerships.offers import Offers, get_offers, parse_offers, profiles, set_offers
from bot.services.partnerships.personal import CONTRIBUTOR as MYDATA

__all__ = [
    "MYDATA",
    "Fit",
    "Offers",
    "Profile",
    "buddy",
    "fit",
    "get_offers",
    "jobs",
    "log",
    "pair_round",
    "parse_offers",
    "profiles",
    "rank",
    "rounds",
    "set_offers",
]
