"""A ticket: one filled-in tracking form, a draft until submitted. Pure: pydantic + stdlib."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TicketStatus = Literal["draft", "submitted"]
TICKET_STATUSES: tuple[TicketStatus, ...] = ("draft", "submitted")


class Ticket(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    form: str
    agent_id: str
    # What the TL typed while a draft; the validated, normalised values once submitted
    # (including computed ones such as a call cert's result or a failed exam's next step).
    fields: dict[str, Any] = Field(default_factory=dict)
    status: TicketStatus = "draft"
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"
