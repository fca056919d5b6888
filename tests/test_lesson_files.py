"""Lesson files: a good one loads, each kind of mistake is refused with the file, step and field named, a bad file
is listed with its error while the others load; answers are checked per question kind (tolerance at its bound)."""

import pytest

from mnist_cnn.lessons.answers import AnswerError, check_answer, describe_answer, read_typed_number
from mnist_cnn.lessons.lesson_files import (MAX_FILE_BYTES, LessonFileError, Question, load_lessons, read_lesson)

PAGES = {"convolution", "fool", "feature_maps"}
GOOD_LESSON = """
title = "Sizes"
summary = "Output sizes."

[[steps]]
title = "Stride 2"
text = "Look at the output."
page = "convolution"
digit = 7
options = { kernel = "sobel_x", padding = 1, stride = 2 }

[steps.question]
kind = "number"
prompt = "How wide is the output?"
answer = 14
tolerance = 0.5
hint = "Use the formula."
explanation = "(28 + 2 - 3) // 2 + 1 = 14."

[[steps]]
page = "fool"
options = { strength = 0.25, method = "pgd", goal = "any" }

[steps.question]
kind = "choice"
prompt = "Which?"
choices = ["A", "B"]
answer = "B"
hint = "Not A."
explanation = "B it is."
tries_before_answer = 3

[[steps]]
page = "feature_maps"
options = { pooling = true }

[steps.question]
kind = "text"
prompt = "Name it."
accepted = ["ReLU", "rectifier"]
hint = "Four letters."
explanation = "max(0, x)."
"""


def write_lesson(folder, text: str, name: str = "sizes", suffix: str = ".toml") -> object:
    path = folder / f"{name}{suffix}"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_lesson_loads_with_its_views_as_lesson_link_queries(tmp_path):
    lesson = read_lesson(write_lesson(tmp_path, GOOD_LESSON), PAGES)
    assert (lesson.name, lesson.title, len(lesson.steps)) == ("sizes", "Sizes", 3)
    first, second, third = lesson.steps
    assert first.query == {"page": "convolution", "digit": "7", "kernel": "sobel_x", "padding": "1", "stride": "2"}
    assert first.question.answer == 14 and first.question.tolerance == 0.5 and first.question.tries_before_answer == 2
    assert second.title == "Step 2" and second.query == {"page": "fool", "strength": "0.25", "method": "pgd",
                                                         "goal": "any"}
    assert second.question.choices == ("A", "B") and second.question.tries_before_answer == 3
    assert third.query["pooling"] == "1" and third.question.accepted == ("ReLU", "rectifier")


@pytest.mark.parametrize(("change", "expected"), [
    (("kind = \"number\"", "kind = \"essay\""), "step 1, question: 'kind' must be"),
    (("prompt = \"How wide is the output?\"\n", ""), "step 1, question: 'prompt' must be a non-empty text"),
    (("answer = 14\n", "answer = \"fourteen\"\n"), "step 1, question: 'answer' must be a number"),
    (("tolerance = 0.5", "tolerance = -1"), "step 1, question: 'tolerance' must be 0 or more"),
    (("answer = \"B\"", "answer = \"C\""), "step 2, question: 'answer' 'C' is not one of the choices"),
    (("choices = [\"A\", \"B\"]", "choices = []"), "step 2, question: 'choices' must be a list of 1 to 8 texts"),
    (("tries_before_answer = 3", "tries_before_answer = 0"), "step 2, question: 'tries_before_answer' must be"),
    (("accepted = [\"ReLU\", \"rectifier\"]", "answer = \"ReLU\""), "step 3, question: a text question lists"),
    (("tolerance = 0.5", "tolerance = 0.5\nchoices = [\"A\"]"), "step 1, question: 'choices' does not belong"),
    (("page = \"fool\"", "page = \"nowhere\""), "step 2: 'page' must name a page of the app"),
    (("padding = 1", "padding = 7"), "step 1, options: padding '7' is not a number from 0 to 2"),
    (("stride = 2 }", "stride = 2, colour = \"red\" }"), "step 1, options: 'colour' is not an option of this page"),
    (("digit = 7", "digit = 10000"), "step 1: 'digit' must be a test digit from 0 to 9999"),
    (("text = \"Look at the output.\"", "txet = \"typo\""), "step 1: unknown field 'txet'"),
    (("[steps.question]\nkind = \"text\"", "[steps.questoin]\nkind = \"text\""), "step 3: unknown field 'questoin'"),
    (("title = \"Sizes\"", "title = 3"), "sizes.toml: 'title' must be a non-empty text"),
    (("summary = \"Output sizes.\"", "sumary = \"Output sizes.\""), "sizes.toml: unknown field 'sumary'"),
    (("options = { pooling = true }", "options = { pooling = [1] }"), "options.pooling: must be a text, a number"),
    (("summary = \"Output sizes.\"", "summary = \"Output sizes.\nnot toml"), "sizes.toml: not valid TOML"),
])
def test_each_kind_of_mistake_is_refused_naming_the_file_step_and_field(tmp_path, change, expected):
    old, new = change
    assert old in GOOD_LESSON
    path = write_lesson(tmp_path, GOOD_LESSON.replace(old, new, 1))
    with pytest.raises(LessonFileError) as error:
        read_lesson(path, PAGES)
    assert isinstance(error.value, ValueError) and str(error.value).startswith("sizes.toml")
    assert expected in str(error.value), str(error.value)


def test_a_file_without_steps_a_bad_name_or_too_large_is_refused(tmp_path):
    with pytest.raises(LessonFileError, match="a lesson needs 1 to 30 steps"):
        read_lesson(write_lesson(tmp_path, 'title = "Empty"\n'), PAGES)
    with pytest.raises(LessonFileError, match="file name must be"):
        read_lesson(write_lesson(tmp_path, GOOD_LESSON, "Bad Name"), PAGES)
    with pytest.raises(LessonFileError, match="larger than 64 KB"):
        read_lesson(write_lesson(tmp_path, GOOD_LESSON + "#" * MAX_FILE_BYTES), PAGES)
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00title")
    with pytest.raises(LessonFileError, match="binary.toml: cannot be read"):
        read_lesson(tmp_path / "binary.toml", PAGES)


def test_bad_files_are_listed_with_their_error_and_the_others_load(tmp_path):
    shipped, teacher = tmp_path / "shipped", tmp_path / "teacher"
    shipped.mkdir()
    teacher.mkdir()
    write_lesson(shipped, GOOD_LESSON)
    write_lesson(teacher, GOOD_LESSON)  # the same name as a shipped lesson
    write_lesson(teacher, GOOD_LESSON.replace("Sizes", "Mine"), "mine")
    write_lesson(teacher, "title = [", "broken")
    lessons, problems = load_lessons([shipped, None, tmp_path / "missing", teacher], PAGES)
    assert [lesson.title for lesson in lessons] == ["Sizes", "Mine"]
    assert sorted(problem.path.name for problem in problems) == ["broken.toml", "sizes.toml"]
    assert any("already loaded" in problem.message for problem in problems)


def make_question(kind: str, **fields) -> Question:
    return Question(kind=kind, prompt="?", hint="h", explanation="e", **fields)


def test_a_choice_is_right_only_when_it_is_the_answer():
    question = make_question("choice", answer="Sobel Y", choices=("Sobel X", "Sobel Y"))
    assert check_answer(question, "Sobel Y") and not check_answer(question, "Sobel X")
    with pytest.raises(AnswerError, match="Pick an answer"):
        check_answer(question, None)


@pytest.mark.parametrize(("answer", "tolerance", "inside", "outside"), [
    (14.0, 0.0, "14", "15"),          # exact: one past it is wrong
    (14.0, 1.0, "15", "16"),          # the bound itself is right, one past it wrong
    (0.3, 0.1, "0.4", "0.41"),        # 0.4 - 0.3 > 0.1 in binary: the bound still counts as right
    (0.1, 0.001, "0,099", "0.0989"),  # a decimal comma is read
])
def test_a_number_is_right_within_the_tolerance_and_wrong_one_past_it(answer, tolerance, inside, outside):
    question = make_question("number", answer=answer, tolerance=tolerance)
    assert check_answer(question, inside) and not check_answer(question, outside)
    assert check_answer(question, f" {answer:g} ")


def test_a_typed_number_that_is_not_one_gets_a_clear_message():
    question = make_question("number", answer=14.0)
    for text in ("fourteen", "1 4 x", "14..", "nan", "inf"):
        with pytest.raises(AnswerError, match="Type a number"):
            check_answer(question, text)
    with pytest.raises(AnswerError, match="Type an answer"):
        check_answer(question, "  ")
    assert read_typed_number("1e-3") == 0.001 and read_typed_number("-.5") == -0.5


def test_a_text_is_right_when_it_matches_an_accepted_one_without_case_or_punctuation():
    question = make_question("text", answer="ReLU", accepted=("ReLU", "rectified linear unit"))
    assert check_answer(question, "relu") and check_answer(question, "  Rectified   linear unit. ")
    assert not check_answer(question, "sigmoid") and not check_answer(question, "rel u")
    with pytest.raises(AnswerError, match="at most 200"):
        check_answer(question, "x" * 201)


def test_the_answer_is_described_as_a_learner_reads_it():
    assert describe_answer(make_question("number", answer=14.0)) == "14"
    assert describe_answer(make_question("number", answer=0.1, tolerance=0.01)) == "0.1 (± 0.01)"
    assert describe_answer(make_question("text", answer="sign", accepted=("sign",))) == "sign"


def test_the_readmes_example_lesson_loads(tmp_path):
    from mnist_cnn import config

    readme = (config.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("**Writing a lesson (no code).**", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    lesson = read_lesson(write_lesson(tmp_path, example, "strides", ".yaml"), PAGES)
    assert [step.question.kind for step in lesson.steps] == ["number", "choice", "text"]
    assert lesson.steps[0].query == {"page": "convolution", "digit": "7", "kernel": "sobel_x", "padding": "1",
                                     "stride": "2"}


@pytest.mark.parametrize(("text", "message"), [
    ("title: Sizes\nsteps: [\n", "sizes.yaml: not valid YAML"),
    ("- title: Sizes\n", "sizes.yaml: a lesson is a set of fields"),
    ("title: no\nsteps:\n- page: convolution\n  question: {kind: text, prompt: p, accepted: [x], hint: h, "
     "explanation: e}\n", "sizes.yaml: 'title' must be a non-empty text"),  # YAML reads a bare no as False
    ("title: !!python/object:os.system ls\n", "sizes.yaml: not valid YAML"),  # the safe loader builds no objects
    ("title: T\nsteps:\n- page: feature_maps\n  options: {layer: conv2, off: '3,5'}\n"
     "  question: {kind: text, prompt: p, accepted: [x], hint: h, explanation: e}\n",
     "options: the field False must be written in quotes"),  # YAML reads a bare off as False
    ("title: T\n3: x\nsteps: []\n", "the field 3 must be written in quotes"),
])
def test_a_bad_yaml_lesson_is_refused_with_its_reason(tmp_path, text, message):
    with pytest.raises(LessonFileError, match=message):
        read_lesson(write_lesson(tmp_path, text, suffix=".yaml"), PAGES)


def test_yaml_and_toml_lessons_load_side_by_side(tmp_path):
    write_lesson(tmp_path, GOOD_LESSON, "from-toml")
    yaml_text = (config_root() / "mnist_cnn" / "lessons" / "library" / "convolution_arithmetic.yaml").read_text()
    write_lesson(tmp_path, yaml_text, "from-yaml", ".yml")
    lessons, problems = load_lessons([tmp_path], PAGES)
    assert sorted(lesson.name for lesson in lessons) == ["from-toml", "from-yaml"] and not problems


def config_root():
    from mnist_cnn import config

    return config.PROJECT_ROOT


def test_a_file_of_an_unforeseen_shape_is_listed_and_the_others_still_load(tmp_path, monkeypatch):
    import mnist_cnn.lessons.lesson_files as lesson_files

    write_lesson(tmp_path, GOOD_LESSON, "good")
    write_lesson(tmp_path, GOOD_LESSON, "odd")
    real_read = lesson_files.read_lesson
    monkeypatch.setattr(lesson_files, "read_lesson", lambda path, pages: real_read(path, pages)
                        if path.stem == "good" else (_ for _ in ()).throw(TypeError("unforeseen")))
    lessons, problems = load_lessons([tmp_path], PAGES)
    assert [lesson.name for lesson in lessons] == ["good"]
    assert [problem.path.name for problem in problems] == ["odd.toml"] and "cannot be read" in problems[0].message
