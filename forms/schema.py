"""The questionnaire definition schema: pydantic models for definitions and menus.

A definition is written in YAML (see docs/definition-format.md). The loader
validates the raw YAML against these models, resolves references (named
scales, named choice lists, items taken from the menu) and checks the
cross-references; the result is a normalised `Definition` in which every
question carries its own scale and choices.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from forms.limits import FOCUS_WEIGHT, MENTOR_CAPACITY

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
"""Ids are lower-case words joined by underscores: they become form field names and CSV columns."""

QuestionType = Literal[
    "likert",
    "single_choice",
    "multi_choice",
    "ranking",
    "short_text",
    "long_text",
    "number",
    "yes_no",
    "consent",
]
QUESTION_TYPES = get_args(QuestionType)
CHOICE_TYPES = ("single_choice", "multi_choice", "ranking")
YES_NO = [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Versioned(Strict):
    """A file with a version label."""

    @model_validator(mode="before")
    @classmethod
    def _version_as_text(cls, data: Any) -> Any:
        # YAML reads `version: 1` as a number; versions are labels, so keep them as text.
        if isinstance(data, dict) and isinstance(data.get("version"), int | float):
            data = {**data, "version": str(data["version"])}
        return data


class Scale(Strict):
    """A labelled numeric scale shared by likert questions, e.g. 1 (disagree) to 5 (agree)."""

    min: int
    max: int
    labels: dict[int, str] = {}

    @model_validator(mode="after")
    def _range(self) -> Scale:
        if self.min >= self.max:
            raise ValueError(f"scale min ({self.min}) must be less than max ({self.max})")
        if self.max - self.min > 10:
            raise ValueError("a scale may have at most 11 points")
        outside = sorted(k for k in self.labels if not self.min <= k <= self.max)
        if outside:
            raise ValueError(f"labels {outside} lie outside the scale {self.min}..{self.max}")
        return self

    def points(self) -> list[int]:
        """Every value on the scale, lowest first."""
        return list(range(self.min, self.max + 1))

    def label(self, value: int) -> str:
        """The label for a value, or the number itself when unlabelled."""
        return self.labels.get(value, str(value))


class Choice(BaseModel):
    """One option of a choice list; extra attributes (e.g. a numeric `score`) are kept."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: Ident
    label: str = Field(min_length=1)


class Condition(Strict):
    """A `show_if` condition: one comparison on an earlier answer, or all/any/not of conditions."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    question: Ident | None = None
    equals: str | int | float | bool | None = None
    not_equals: str | int | float | bool | None = None
    in_: list[str | int | float] | None = Field(None, alias="in")
    includes: str | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    answered: bool | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(None, alias="not")

    COMPARISONS: ClassVar[tuple[str, ...]] = (
        "equals", "not_equals", "in_", "includes", "gt", "gte", "lt", "lte", "answered")

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        combinators = [k for k in ("all", "any", "not_") if getattr(self, k) is not None]
        comparisons = [k for k in self.COMPARISONS if getattr(self, k) is not None]
        if combinators:
            if len(combinators) > 1 or comparisons or self.question:
                raise ValueError("a condition with all/any/not may hold nothing else")
            if self.all == [] or self.any == []:
                raise ValueError("all/any need at least one condition")
            return self
        if not self.question:
            raise ValueError("a condition needs 'question' (or all/any/not)")
        if len(comparisons) != 1:
            raise ValueError(
                "a condition needs exactly one of equals, not_equals, in, includes, "
                "gt, gte, lt, lte, answered"
            )
        return self

    def questions(self) -> list[str]:
        """Every question id the condition reads, in order."""
        if self.question:
            return [self.question]
        parts = (self.all or []) + (self.any or []) + ([self.not_] if self.not_ else [])
        return [q for part in parts for q in part.questions()]


class Item(Strict):
    """One statement in a likert grid; each item is an answer of its own."""

    id: Ident
    text: str = Field(min_length=1)


class ItemsFromMenu(Strict):
    """Build a grid's items from the menu of learning focuses, one per focus."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*\{focus\}[a-z0-9_]*$")
    text: str = Field("{title}", min_length=1)


class Question(Strict):
    """One question on a page. Type-specific keys are checked against the type."""

    id: Ident
    type: QuestionType
    prompt: str = Field(min_length=1)
    hint: str | None = None
    required: bool | Literal["soft"] = False
    show_if: Condition | None = None
    scale: Scale | Ident | None = None
    items: list[Item] | None = None
    items_from_menu: ItemsFromMenu | None = None
    choices: list[Choice] | Ident | None = None
    min_selected: int | None = Field(None, ge=0)
    max_selected: int | None = Field(None, ge=1)
    max_ranked: int | None = Field(None, ge=1, le=10)
    max_length: int | None = Field(None, ge=1, le=20000)
    # Finite: NaN would switch the bound off (every comparison with it is false), and the published snapshot
    # (pydantic's JSON mode) writes NaN and infinity as null, so the cohort would get other bounds.
    min: float | None = Field(None, allow_inf_nan=False)
    max: float | None = Field(None, allow_inf_nan=False)
    integer: bool | None = None

    ALLOWED: ClassVar[dict[str, set[str]]] = {
        "likert": {"scale", "items", "items_from_menu"},
        "single_choice": {"choices"},
        "multi_choice": {"choices", "min_selected", "max_selected"},
        "ranking": {"choices", "max_ranked"},
        "short_text": {"max_length"},
        "long_text": {"max_length"},
        "number": {"min", "max", "integer"},
        "yes_no": set(),
        "consent": set(),
    }
    TYPE_KEYS: ClassVar[set[str]] = {"scale", "items", "items_from_menu", "choices", "min_selected", "max_selected",
                 "max_ranked", "max_length", "min", "max", "integer"}

    @model_validator(mode="after")
    def _fits_type(self) -> Question:
        allowed = self.ALLOWED[self.type]
        stray = sorted(k for k in self.model_fields_set & self.TYPE_KEYS if k not in allowed)
        if stray:
            raise ValueError(f"{', '.join(stray)} do(es) not apply to a {self.type} question")
        if self.type == "likert" and self.scale is None:
            raise ValueError("a likert question needs a scale")
        if self.items is not None and self.items_from_menu is not None:
            raise ValueError("give items or items_from_menu, not both")
        if self.items == []:
            raise ValueError("a likert grid needs at least one item")
        if self.type in CHOICE_TYPES and self.choices is None:
            raise ValueError(f"a {self.type} question needs choices")
        if isinstance(self.choices, list) and not self.choices:
            raise ValueError("the choice list is empty")
        if (self.min_selected or 0) > (self.max_selected or float("inf")):
            raise ValueError("min_selected is greater than max_selected")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(f"number min ({self.min}) must be less than max ({self.max})")
        if self.type == "consent" and self.required == "soft":
            raise ValueError("consent is either required or not; it cannot be soft-required")
        return self

    @property
    def is_grid(self) -> bool:
        return self.items is not None

    def answer_ids(self) -> list[str]:
        """The ids under which this question's answers are stored."""
        return [item.id for item in self.items] if self.items is not None else [self.id]

    @property
    def options(self) -> list[Choice]:
        """The choices offered: the question's own, or Yes/No for a yes_no question."""
        if self.type == "yes_no":
            return [Choice(**c) for c in YES_NO]
        return self.choices if isinstance(self.choices, list) else []

    def option_label(self, choice_id: str) -> str:
        """The label of one of this question's choices (the id itself if unknown)."""
        return next((c.label for c in self.options if c.id == choice_id), choice_id)

    @property
    def text_limit(self) -> int:
        """Longest text accepted: the question's own limit or a default for its type."""
        return self.max_length or (200 if self.type == "short_text" else 4000)

    @property
    def ranked_positions(self) -> int:
        """How many positions a ranking question offers."""
        return min(self.max_ranked or 3, len(self.options))


class Section(Strict):
    """One page of the questionnaire."""

    id: Ident
    title: str = Field(min_length=1)
    intro: str | None = None
    questions: list[Question] = Field(min_length=1)


class Construct(Strict):
    """A scale score built from likert items; '-' keyed items are reverse scored."""

    id: Ident
    label: str = Field(min_length=1)
    description: str | None = None
    items: dict[Ident, Literal["+", "-"]] = Field(min_length=1)
    method: Literal["mean"] = "mean"
    min_answered: int = Field(1, ge=1)
    low: str | None = None
    high: str | None = None

    @model_validator(mode="after")
    def _enough_items(self) -> Construct:
        if self.min_answered > len(self.items):
            raise ValueError(
                f"min_answered ({self.min_answered}) exceeds the number of items ({len(self.items)})"
            )
        return self


class LearningFocusKeys(Strict):
    """Which questions hold the teacher's chosen learning focuses (a ranking) and their goal."""

    choice: Ident
    goal: Ident | None = None


class ProgressKeys(Strict):
    """Which of a follow-up's questions the progress reports read: how far the teacher got towards their goal (a
    scale), what showed them how their pupils were getting on (choices), and the new goal of one who refines it."""

    goal: Ident
    pupil_evidence: Ident | None = None
    new_goal: Ident | None = None


class GroupingBlock(Strict):
    """A set of answers that feed the grouping model together, with one weight for the set.

    Each block counts the same in the distance between teachers whatever its
    number of columns (the weight scales that), so ten confidence items do not
    drown three belief scores. `high` and `low` phrase what stands out about a
    group, with `{item}` standing for the answer's label.
    """

    id: Ident
    label: str = Field(min_length=1)
    constructs: list[Ident] = []
    questions: list[Ident] = []
    answers: list[Ident] = []
    strength: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*\{choice\}[a-z0-9_]*$")
    weight: float = Field(1.0, gt=0, le=10)
    high: str = Field("higher {item}", min_length=1)
    low: str = Field("lower {item}", min_length=1)

    @model_validator(mode="after")
    def _has_columns(self) -> GroupingBlock:
        if not (self.constructs or self.questions or self.answers):
            raise ValueError("a grouping block needs constructs, questions or answers")
        return self


class Grouping(Strict):
    """Which answers the grouping model uses, and which choice questions describe each group."""

    blocks: list[GroupingBlock] = Field(min_length=1)
    describe: list[Ident] = []


class RecommendWeights(Strict):
    """How much each part of a focus's score counts (see docs/definition-format.md)."""

    gap: float = Field(4.0, ge=0, le=10)
    beliefs: float = Field(1.0, ge=0, le=10)
    pupils: float = Field(1.5, ge=0, le=10)
    time: float = Field(1.5, ge=0, le=10)
    programme: float = Field(1.0, ge=0, le=10)
    own_choice: float = Field(1.5, ge=0, le=10)
    group: float = Field(1.0, ge=0, le=10)


class Recommend(Strict):
    """Where the recommendation engine finds a teacher's answers, and how it weighs them."""

    value: str = Field("value_{focus}", pattern=r"^[a-z][a-z0-9_]*\{focus\}[a-z0-9_]*$")
    confidence: str = Field("confidence_{focus}", pattern=r"^[a-z][a-z0-9_]*\{focus\}[a-z0-9_]*$")
    pupil_priorities: Ident | None = None
    pupil_groups: Ident | None = None
    barriers: Ident | None = None
    barrier_strength: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*\{choice\}[a-z0-9_]*$")
    time_barriers: list[Ident] = []
    choices: int = Field(1, ge=1, le=3)
    weights: RecommendWeights = RecommendWeights()


class CoCoachingWeights(Strict):
    """How much each criterion of a co-coaching pair counts (see docs/definition-format.md)."""

    focus: float = Field(3.0, ge=0, le=10)
    confidence: float = Field(2.0, ge=0, le=10)
    availability: float = Field(2.0, ge=0, le=10)
    observation: float = Field(1.0, ge=0, le=10)
    school: float = Field(1.0, ge=0, le=10)
    wishes: float = Field(1.0, ge=0, le=10)
    roles: float = Field(1.0, ge=0, le=10)


class MentoringWeights(Strict):
    """How much each criterion of a mentor and mentee counts."""

    strength: float = Field(3.0, ge=0, le=10)
    experience: float = Field(1.0, ge=0, le=10)
    availability: float = Field(2.0, ge=0, le=10)
    observation: float = Field(1.0, ge=0, le=10)
    school: float = Field(1.0, ge=0, le=10)
    wishes: float = Field(1.0, ge=0, le=10)


class SpecialistWeights(Strict):
    """How much each criterion of a specialist coach and a teacher (or group) counts."""

    expertise: float = Field(2.0, ge=0, le=10)
    need: float = Field(2.0, ge=0, le=10)
    wants_coaching: float = Field(1.0, ge=0, le=10)


class PairingWeights(Strict):
    """The weights of each mode's criteria."""

    co_coaching: CoCoachingWeights = CoCoachingWeights()
    mentoring: MentoringWeights = MentoringWeights()
    specialist: SpecialistWeights = SpecialistWeights()


class Pairing(Strict):
    """Where the pairing engine finds what it needs in a teacher's answers, and how it weighs a partnership.

    Each question is optional: a criterion whose question is not named counts
    the same for every pair. Choice lists say which answers mean what.
    """

    name: Ident | None = None
    availability: Ident | None = None
    observation_comfort: Ident | None = None
    partner_school: Ident | None = None
    same_school: list[Ident] = ["same_school"]
    other_school: list[Ident] = ["other_school"]
    coaching_role: Ident | None = None
    coaches: list[Ident] = ["coach", "both"]
    coached: list[Ident] = ["be_coached", "both"]
    career_stage: Ident | None = None
    mentees: list[Ident] = []
    mentors: list[Ident] = []
    mentor_capacity: int = Field(2, ge=MENTOR_CAPACITY[0], le=MENTOR_CAPACITY[1])
    strong: int | None = Field(4, ge=0)
    agreement: Ident | None = None
    weights: PairingWeights = PairingWeights()


FOLLOW_UP = "follow_up"  # the kind of a questionnaire that follows a starting point in a later cycle


class Follows(Versioned):
    """The starting-point questionnaire a follow-up follows: its id and exact version."""

    form: Ident
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


# A list when the ids are the same on both sides (the usual case), a mapping of follow-up id to starting-point
# id when an id differs.
MatchList = list[Ident] | dict[Ident, Ident]


class Matches(Strict):
    """Which of a follow-up's constructs and items are the same as the starting point's, so change can be measured."""

    constructs: MatchList = []
    items: MatchList = []

    @staticmethod
    def pairs(matched: MatchList) -> dict[str, str]:
        """Follow-up id -> starting-point id, whichever way the match was written."""
        return dict(matched) if isinstance(matched, dict) else {i: i for i in matched}

    def construct_pairs(self) -> dict[str, str]:
        """Each matched construct: the follow-up's id -> the starting point's."""
        return self.pairs(self.constructs)

    def item_pairs(self) -> dict[str, str]:
        """Each matched answer: the follow-up's id -> the starting point's."""
        return self.pairs(self.items)


class Definition(Versioned):
    """A whole questionnaire: pages of questions, shared scales and choice lists, constructs."""

    id: Ident
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
    title: str = Field(min_length=1)
    kind: str = "starting_point"
    respondent: Literal["teacher", "specialist", "coordinator", "pair"] = "teacher"
    description: str | None = None
    menu: str | None = None
    scales: dict[Ident, Scale] = {}
    # Not empty: a question names a list by id, and a question with no choices cannot be answered.
    choice_lists: dict[Ident, Annotated[list[Choice], Field(min_length=1)]] = {}
    sections: list[Section] = Field(min_length=1)
    constructs: list[Construct] = []
    learning_focus: LearningFocusKeys | None = None
    grouping: Grouping | None = None
    recommend: Recommend | None = None
    pairing: Pairing | None = None
    # A follow-up (kind follow_up) names the questionnaire it follows and what it shares with it.
    follows: Follows | None = None
    matches: Matches | None = None
    progress: ProgressKeys | None = None
    # The whole menu, copied in when the definition is loaded, so a published version keeps the menu it used.
    learning_focuses: Menu | None = None

    def questions(self) -> list[Question]:
        """All questions in page order."""
        return [q for s in self.sections for q in s.questions]

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError if none)."""
        for q in self.questions():
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def answer_ids(self) -> list[str]:
        """Every answer id in page order (grid items count one each)."""
        return [a for q in self.questions() for a in q.answer_ids()]

    def answer_question(self, answer_id: str) -> Question:
        """The question that owns an answer id (a grid for its items)."""
        for q in self.questions():
            if answer_id in q.answer_ids():
                return q
        raise KeyError(answer_id)


class Focus(Strict):
    """One learning focus on the programme's menu, with what the recommendation engine needs to know."""

    id: Ident
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    time_demand: Literal["low", "medium", "high"] = "medium"
    builds: list[Ident] = []
    rests_on: list[Ident] = []
    pupil_priorities: list[Ident] = []
    pupil_groups: list[Ident] = []
    lighter_start: str | None = None
    specialist_input: list[str] = []
    peer_activities: list[str] = []
    weight: float = Field(1.0, ge=FOCUS_WEIGHT[0], le=FOCUS_WEIGHT[1])
    school_weights: dict[str, Annotated[float, Field(ge=FOCUS_WEIGHT[0], le=FOCUS_WEIGHT[1])]] = {}


class Menu(Versioned):
    """The programme's menu of learning focuses, shared by questionnaires and the engine."""

    id: Ident
    version: str = "1"
    title: str = Field(min_length=1)
    focuses: list[Focus] = Field(min_length=1)



Definition.model_rebuild()  # it names Menu, defined after it
