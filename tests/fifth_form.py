"""A fifth form for the registry tests: one FormSpec (and its model), registered by a test."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from esp_tui.domain.forms import FormField, FormSpec


class AgentFeedback(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    topic: Annotated[str, Field(min_length=1)]
    rating: Annotated[int, Field(ge=1, le=5)]
    stars: str = ""  # computed

    @model_validator(mode="after")
    def _stars(self) -> AgentFeedback:
        self.stars = "*" * self.rating
        return self


FIFTH = FormSpec(
    name="agent_feedback",
    label="Agent Feedback",
    model=AgentFeedback,
    fields=(
        FormField("topic", "Topic", "text", required=True),
        FormField("rating", "Rating", "number", required=True, message="must be 1 to 5"),
    ),
    gist=("topic",),
    default_tab="Agent Feedback",
    computed=(("stars", "Stars"),),
)
