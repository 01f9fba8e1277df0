"""Consults (/ask): a member brings a partnering challenge to the community and the two
or three people best placed to help are invited, one press at a time.

- ``text``: the form's fields, checking them, the themes, encryption of the text and of an
  anonymous asker's identity;
- ``store``: creating, reading, resolving, thanking, closing a consult;
- ``invitations``: matching, the ledger that spreads the load, answering, muting;
- ``relay``: the anonymous asker's side (replies by DM, answers as "the asker");
- ``weekly``: the weekly post of open consults nobody has offered to help with;
- ``personal``: ``/mydata`` export and erasure.

Other capabilities use ``personal_data`` / ``erase_personal_data`` (``/mydata``) and
``reencrypt`` / ``key_ids_in_use`` (the data key's rotation and start-up check).
"""

from bot.services.consults.invitations import (
    INVITATION_TEMPLATE,
    Answer,
    Candidate,
    LedgerRow,
    answer,
    invitation,
    invitation_for,
    invitations_of,
    invite_more,
    is_muted,
    ledger,
    pending_invitation,
    queue_invitation_dms,
    rank_candidates,
    set_muted,
)
from bot.services.consults.keys import key_ids_in_use, reencrypt
from bot.services.consults.personal import (
    ERASURE_NOTE,
    MYDATA,
    ConsultErasure,
    PostRef,
    erase_personal_data,
    personal_data,
)
from bot.services.consults.relay import Relay, may_reply_as_asker, plan_reply
from bot.services.consults.store import (
    ANONYMOUS_NAME,
    ConsultView,
    asker_member,
    close_deleted,
    consult_by_thread,
    create_consult,
    get_consult,
    helpers_of,
    is_asker,
    list_consults,
    my_consults,
    record_post,
    record_thread,
    resolve,
    thank,
    themes_of,
    unposted,
    view_consult,
)
from bot.services.consults.text import (
    FIELDS,
    MAX_THEMES,
    REPLY_MAX_LENGTH,
    ConsultText,
    Draft,
    DraftProblem,
    FieldSpec,
    normalise_theme,
    open_text,
    parse_themes,
    validate,
    validate_reply,
)
from bot.services.consults.weekly import (
    claim_week,
    finish_week,
    release_week,
    unhelped_open,
    week_slot,
)

__all__ = [
    "ANONYMOUS_NAME",
    "ERASURE_NOTE",
    "FIELDS",
    "INVITATION_TEMPLATE",
    "MAX_THEMES",
    "MYDATA",
    "REPLY_MAX_LENGTH",
    "Answer",
    "Candidate",
    "ConsultErasure",
    "ConsultText",
    "ConsultView",
    "Draft",
    "DraftProblem",
    "FieldSpec",
    "LedgerRow",
    "PostRef",
    "Relay",
    "answer",
    "asker_member",
    "claim_week",
    "close_deleted",
    "consult_by_thread",
    "create_consult",
    "erase_personal_data",
    "finish_week",
    "get_consult",
    "helpers_of",
    "invitation",
    "invitation_for",
    "invitations_of",
    "invite_more",
    "is_asker",
    "is_muted",
    "key_ids_in_use",
    "ledger",
    "list_consults",
    "may_reply_as_asker",
    "my_consults",
    "normalise_theme",
    "open_text",
    "parse_themes",
    "pending_invitation",
    "personal_data",
    "plan_reply",
    "queue_invitation_dms",
    "rank_candidates",
    "record_post",
    "record_thread",
    "reencrypt",
    "release_week",
    "resolve",
    "set_muted",
    "thank",
    "themes_of",
    "unhelped_open",
    "unposted",
    "validate",
    "validate_reply",
    "view_consult",
    "week_slot",
]
