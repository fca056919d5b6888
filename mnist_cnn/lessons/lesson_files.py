"""Lessons that check answers: YAML (or TOML) files of steps (a view to open, a question), checked field by field."""

import tomllib

import yaml
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mnist_cnn.lessons.link import LESSON_NAME_PATTERN, PAGE_PATTERN, TEST_SET_SIZE, parse_options
from mnist_cnn.lessons.options import MAX_LESSON_STEPS

# Bounds on a lesson file: its size, steps, choices, accepted answers and the length of its texts.
MAX_FILE_BYTES = 64 * 1024
MAX_STEPS = MAX_LESSON_STEPS
MAX_CHOICES = 8
MAX_ACCEPTED = 20
MAX_TEXT_CHARS = 2_000
MAX_TRIES = 10
# Lesson files: YAML (the shipped ones), or TOML.
LESSON_SUFFIXES = (".yaml", ".yml", ".toml")
# A lesson is named by its file name (without suffix, LESSON_NAME_PATTERN): it keys the progress and appears in links.
# The kinds of question, and how many wrong tries show the "Show answer" button unless a question says otherwise.
CHOICE, NUMBER, TEXT = "choice", "number", "text"
DEFAULT_TRIES = 2
# The fields each table may hold (anything else is a typing mistake, reported by name).
LESSON_FIELDS = {"title", "summary", "steps"}
STEP_FIELDS = {"title", "text", "page", "digit", "options", "question"}
QUESTION_FIELDS = {"kind", "prompt", "choices", "answer", "tolerance", "accepted", "hint", "explanation",
                   "tries_before_answer"}


class LessonFileError(ValueError):
    """A lesson file that cannot be used; the message names the file, the step and the field."""


@dataclass(frozen=True)
class Question:
    """What a step asks, the right answer (a choice, a number within a tolerance, or accepted texts) and why."""

    kind: str
    prompt: str
    answer: object                   # the right choice (str) or number (float); for text, the first accepted
    hint: str
    explanation: str
    choices: tuple[str, ...] = ()    # choice questions only
    tolerance: float = 0.0           # number questions only: |given - answer| <= tolerance is right
    accepted: tuple[str, ...] = ()   # text questions only
    tries_before_answer: int = DEFAULT_TRIES


@dataclass(frozen=True)
class Step:
    """One step: a view (a page and its options, as a lesson link names them) and a question about it."""

    title: str
    text: str
    page: str
    query: dict[str, str]            # the view as a lesson link's query: page, digit and the page's options
    question: Question


@dataclass(frozen=True)
class Lesson:
    """A lesson: its name (the file name), title, summary and steps."""

    name: str
    title: str
    summary: str
    steps: tuple[Step, ...]
    path: Path


@dataclass(frozen=True)
class LessonProblem:
    """A lesson file that was not loaded, and why."""

    path: Path
    message: str


def read_text(table: Mapping, field: str, where: str, required: bool = True) -> str:
    """A text field of a table; LessonFileError when it is missing (and required), not text, or too long."""
    value = table.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise LessonFileError(f"{where}: '{field}' must be a non-empty text in quotes")
    if len(value) > MAX_TEXT_CHARS:
        raise LessonFileError(f"{where}: '{field}' is longer than {MAX_TEXT_CHARS} characters")
    return value.strip()


def read_number(table: Mapping, field: str, where: str, default: float | None = None) -> float:
    """A finite number field (not a switch, not text); LessonFileError otherwise."""
    value = table.get(field, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) == float("inf"):
        raise LessonFileError(f"{where}: '{field}' must be a number, got {value!r}")
    return float(value)


def read_texts(table: Mapping, field: str, where: str, limit: int) -> tuple[str, ...]:
    """A list of 1..limit distinct texts; LessonFileError otherwise."""
    values = table.get(field)
    if not isinstance(values, list) or not values or len(values) > limit:
        raise LessonFileError(f"{where}: '{field}' must be a list of 1 to {limit} texts")
    texts = tuple(read_text({field: value}, field, where) for value in values)
    if len(set(texts)) != len(texts):
        raise LessonFileError(f"{where}: '{field}' lists the same text twice")
    return texts


def check_keys_are_text(table: Mapping, where: str) -> None:
    """LessonFileError for a key that is not text (YAML reads a bare off, on, no or 3 as a boolean or number)."""
    for key in table:
        if not isinstance(key, str):
            raise LessonFileError(f"{where}: the field {key!r} must be written in quotes (YAML read it as "
                                  f"{type(key).__name__})")


def check_fields(table, allowed: set[str], where: str) -> None:
    """LessonFileError when the table is not a table or holds a field it should not (a typing mistake)."""
    if not isinstance(table, dict):
        raise LessonFileError(f"{where}: expected a table of fields, got {type(table).__name__}")
    check_keys_are_text(table, where)
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise LessonFileError(f"{where}: unknown field '{unknown[0]}' (allowed: {', '.join(sorted(allowed))})")


def read_question(table, where: str) -> Question:
    """A step's [question] table as a Question; LessonFileError naming the field that is wrong."""
    where = f"{where}, question"
    check_fields(table, QUESTION_FIELDS, where)
    kind = table.get("kind")
    if kind not in (CHOICE, NUMBER, TEXT):
        raise LessonFileError(f"{where}: 'kind' must be \"{CHOICE}\", \"{NUMBER}\" or \"{TEXT}\", got {kind!r}")
    tries = read_number(table, "tries_before_answer", where, DEFAULT_TRIES)
    if tries != int(tries) or not 1 <= tries <= MAX_TRIES:
        raise LessonFileError(f"{where}: 'tries_before_answer' must be a whole number from 1 to {MAX_TRIES}")
    common = {"kind": kind, "prompt": read_text(table, "prompt", where), "hint": read_text(table, "hint", where),
              "explanation": read_text(table, "explanation", where), "tries_before_answer": int(tries)}
    extra = {CHOICE: {"choices"}, NUMBER: {"tolerance"}, TEXT: {"accepted"}}
    misplaced = sorted(((extra[CHOICE] | extra[NUMBER] | extra[TEXT]) - extra[kind]) & set(table))
    if misplaced:
        raise LessonFileError(f"{where}: '{misplaced[0]}' does not belong to a {kind} question")
    if kind == CHOICE:
        choices = read_texts(table, "choices", where, MAX_CHOICES)
        answer = read_text(table, "answer", where)
        if answer not in choices:
            raise LessonFileError(f"{where}: 'answer' {answer!r} is not one of the choices")
        return Question(answer=answer, choices=choices, **common)
    if kind == NUMBER:
        tolerance = read_number(table, "tolerance", where, 0)
        if tolerance < 0:
            raise LessonFileError(f"{where}: 'tolerance' must be 0 or more, got {tolerance:g}")
        return Question(answer=read_number(table, "answer", where), tolerance=tolerance, **common)
    if "answer" in table:
        raise LessonFileError(f"{where}: a text question lists its right answers in 'accepted', not 'answer'")
    accepted = read_texts(table, "accepted", where, MAX_ACCEPTED)
    return Question(answer=accepted[0], accepted=accepted, **common)


def option_text(value, where: str) -> str:
    """A view option's value as the text a link holds (a number or a switch written as a link writes it)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float, str)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    raise LessonFileError(f"{where}: must be a text, a number or true/false, got {type(value).__name__}")


def read_view(table: Mapping, where: str, pages: Collection[str] | None) -> tuple[str, dict[str, str]]:
    """A step's page and its view as a lesson link's query, checked as a link's options are."""
    page = table.get("page")
    if not isinstance(page, str) or not PAGE_PATTERN.fullmatch(page) or (pages is not None and page not in pages):
        known = f" (one of: {', '.join(sorted(pages))})" if pages is not None else ""
        raise LessonFileError(f"{where}: 'page' must name a page of the app{known}, got {page!r}")
    query = {"page": page}
    digit = table.get("digit")
    if digit is not None:
        if isinstance(digit, bool) or not isinstance(digit, int) or not 0 <= digit < TEST_SET_SIZE:
            raise LessonFileError(f"{where}: 'digit' must be a test digit from 0 to {TEST_SET_SIZE - 1}")
        query["digit"] = str(digit)
    options = table.get("options", {})
    if not isinstance(options, dict):
        raise LessonFileError(f"{where}: 'options' must be a table such as {{ padding = 1, stride = 2 }}")
    check_keys_are_text(options, f"{where}, options")
    texts = {name: option_text(value, f"{where}, options.{name}") for name, value in options.items()}
    _, problems = parse_options(page, texts)
    if problems:
        raise LessonFileError(f"{where}, options: {problems[0]}")
    return page, {**query, **texts}


def read_step(table, number: int, where: str, pages: Collection[str] | None) -> Step:
    """Step `number` (from 1) of a lesson as a Step; LessonFileError naming the step and the field."""
    where = f"{where}, step {number}"
    check_fields(table, STEP_FIELDS, where)
    page, query = read_view(table, where, pages)
    if "question" not in table:
        raise LessonFileError(f"{where}: 'question' is missing (add a [steps.question] table)")
    return Step(title=read_text(table, "title", where, required=False) or f"Step {number}",
                text=read_text(table, "text", where, required=False), page=page, query=query,
                question=read_question(table["question"], where))


def read_lesson(path: Path, pages: Collection[str] | None = None) -> Lesson:
    """The lesson in a .yaml (or .toml) file; LessonFileError (naming the file, step and field) for what is wrong.

    `pages` (the app's page names) checks each step's page; None accepts any well-formed name."""
    path = Path(path)
    where = path.name
    if not LESSON_NAME_PATTERN.fullmatch(path.stem):
        raise LessonFileError(f"{where}: a lesson's file name must be 1-40 lower-case letters, digits, '-' or '_'")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise LessonFileError(f"{where}: the file is larger than {MAX_FILE_BYTES // 1024} KB")
        table = parse_lesson_text(path.read_text(encoding="utf-8"), path.suffix)
    except tomllib.TOMLDecodeError as error:
        raise LessonFileError(f"{where}: not valid TOML ({error})") from None
    except yaml.YAMLError as error:
        raise LessonFileError(f"{where}: not valid YAML ({' '.join(str(error).split())})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise LessonFileError(f"{where}: cannot be read ({error})") from None
    if not isinstance(table, Mapping):
        raise LessonFileError(f"{where}: a lesson is a set of fields (title, summary, steps), not a list or a text")
    check_fields(table, LESSON_FIELDS, where)
    steps = table.get("steps")
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        raise LessonFileError(f"{where}: a lesson needs 1 to {MAX_STEPS} steps, each with a page and a question")
    return Lesson(name=path.stem, title=read_text(table, "title", where),
                  summary=read_text(table, "summary", where, required=False),
                  steps=tuple(read_step(step, number, where, pages) for number, step in enumerate(steps, 1)),
                  path=path)


def parse_lesson_text(text: str, suffix: str):
    """The fields of a lesson file's text: YAML (safe loader: plain data only) for .yaml/.yml, TOML for .toml."""
    if suffix == ".toml":
        return tomllib.loads(text)
    return yaml.safe_load(text)


def load_lessons(folders: Iterable[Path | None],
                 pages: Collection[str] | None = None) -> tuple[list[Lesson], list[LessonProblem]]:
    """Every lesson in the folders' lesson files (in order, a name taken by an earlier folder refused), and the files
    that could not be used with the reason; a missing folder is skipped."""
    lessons, problems, names = [], [], set()
    for folder in folders:
        if folder is None or not Path(folder).is_dir():
            continue
        for path in sorted(path for path in Path(folder).iterdir() if path.suffix in LESSON_SUFFIXES):
            try:
                lesson = read_lesson(path, pages)
                if lesson.name in names:
                    raise LessonFileError(f"{path.name}: a lesson named '{lesson.name}' is already loaded; "
                                          f"rename the file")
            except LessonFileError as error:
                problems.append(LessonProblem(path, str(error)))
                continue
            except (TypeError, ValueError, RecursionError) as error:  # a shape no check foresaw: never the page's end
                reason = f"{path.name}: cannot be read as a lesson ({type(error).__name__})"
                problems.append(LessonProblem(path, reason))
                continue
            names.add(lesson.name)
            lessons.append(lesson)
    return lessons, problems
