"""Checking a learner's answer to a lesson's question: a choice, a number within a tolerance, or an accepted text."""

import re

from mnist_cnn.lessons.lesson_files import CHOICE, NUMBER, Question

# A typed number: digits with an optional sign, decimal point or comma, and exponent ("14", "-0.5", "0,1", "1e-3").
NUMBER_PATTERN = re.compile(r"[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]+)?")
MAX_ANSWER_CHARS = 200
# Rounding slack on the tolerance, relative to the numbers' size: 0.3 ± 0.1 accepts 0.4 (0.4 - 0.3 > 0.1 in binary).
RELATIVE_SLACK = 1e-9


class AnswerError(ValueError):
    """An answer that cannot be checked (empty, or not a number where a number is asked); the message says why."""


def read_typed_number(text: str) -> float:
    """The number typed in text (a decimal comma allowed); AnswerError when it is not one."""
    cleaned = text.strip().replace(" ", "")
    if not NUMBER_PATTERN.fullmatch(cleaned):
        raise AnswerError("Type a number, such as 14 or 0.5.")
    return float(cleaned.replace(",", "."))


def normalise_text(text: str) -> str:
    """Text compared without case, surrounding punctuation or repeated spaces ("  The Sign. " -> "the sign")."""
    return " ".join(text.casefold().split()).strip(" .,;:!?'\"")


def is_within_tolerance(given: float, answer: float, tolerance: float) -> bool:
    """|given - answer| <= tolerance, with a rounding slack of RELATIVE_SLACK times the numbers' size."""
    slack = RELATIVE_SLACK * max(1.0, abs(given), abs(answer))
    return abs(given - answer) <= tolerance + slack


def check_answer(question: Question, given) -> bool:
    """Whether `given` (the picked choice or the typed text) is right; AnswerError when it cannot be checked."""
    if given is None or (isinstance(given, str) and not given.strip()):
        raise AnswerError("Pick an answer first." if question.kind == CHOICE else "Type an answer first.")
    if question.kind == CHOICE:
        return given == question.answer
    text = str(given)
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerError(f"An answer has at most {MAX_ANSWER_CHARS} characters.")
    if question.kind == NUMBER:
        return is_within_tolerance(read_typed_number(text), question.answer, question.tolerance)
    return normalise_text(text) in {normalise_text(accepted) for accepted in question.accepted}


def describe_answer(question: Question) -> str:
    """The right answer as a learner reads it ("14", "0.1 (± 0.01)", "Sobel Y", "sign")."""
    if question.kind == NUMBER:
        answer = f"{question.answer:g}"
        return f"{answer} (± {question.tolerance:g})" if question.tolerance else answer
    return str(question.answer)
