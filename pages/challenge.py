"""Class challenge: draw a digit that fools the model while the class's own drawings still read it right."""

import streamlit as st

from mnist_cnn.challenge.scoring import CHALLENGES, MAX_SCORE, MNIST_REFERENCES_PER_DIGIT, NEIGHBOURS
from mnist_cnn.inputs.images import enlarge_pixels
from mnist_cnn.lessons.options import page_option
from mnist_cnn.model.inference import classify
from mnist_cnn.my_digits.collections import MyDigitsError
from mnist_cnn.safety.text import escape_markdown
from ui.challenge import best_score, judge_attempt, require_challenge_model, submit_attempt
from ui.collections import get_current_collection
from ui.digit_source import require_drawing

CHALLENGE = page_option("challenge", "challenge")  # kept in a lesson link: ?page=challenge&challenge=4-as-9

HOW_IT_IS_SCORED = f"""
**How "classmates still read it" is checked.** Nobody else has to stop drawing: a simple reader stands in for the
class. It compares your drawing, pixel by pixel, with every drawing saved by the *other* collections of this class
(and {MNIST_REFERENCES_PER_DIGIT} MNIST digits of each kind, so that it knows every digit from the start) and looks
at the {NEIGHBOURS} closest. If more than half of them are the digit you meant, your drawing still looks like the
class's own ones. It is not the network: it knows nothing but how close drawings are, which is why a drawing that
fools the network and not it has found something the network reacts to and people do not.

**Points**: {MAX_SCORE} × the model's probability for the target digit × the share of the {NEIGHBOURS} neighbours
that are your digit, and 0 unless both the model is fooled and the reader is not. The class view ranks collections
by their best attempt.
"""

stored, model = require_challenge_model()  # one model for the whole class, whatever the sidebar has chosen
st.title("Class challenge")
key = st.selectbox("Challenge", list(CHALLENGES), index=list(CHALLENGES).index(CHALLENGE.start), key=CHALLENGE.key,
                   format_func=lambda value: CHALLENGES[value].describe())
challenge = CHALLENGES[key]
st.caption(f"Draw on the Draw page, then come back: your last drawing is scored here, by the model "
           f"`{stored.name}` for everyone. Your collection "
           f"(**{escape_markdown(get_current_collection())}**, in the sidebar) is your name on the leaderboard.")
drawing = require_drawing(st.session_state.get("drawing_input"))
classification = classify(model, drawing)
try:
    score, neighbours, class_drawings = judge_attempt(challenge, drawing, classification, get_current_collection())
except MyDigitsError as error:
    st.error(f"The class's drawings are unavailable, so the challenge cannot be scored: {escape_markdown(error)}")
    st.stop()

picture, verdicts = st.columns([1, 3])
picture.image(enlarge_pixels((drawing * 255).astype("uint8"), 6), caption="your last drawing", width=168,
              alt="Your last drawing on the Draw page")
with verdicts:
    columns = st.columns(3)
    model_reads = str(classification.digit) if classification.is_digit else "not a digit"
    columns[0].metric("The model reads", model_reads,
                      f"{score.target_probability:.0%} for a {challenge.target_digit}", delta_arrow="off",
                      delta_color="normal" if score.fooled else "off")
    agreeing = int(round(score.classmates_share * len(neighbours)))
    columns[1].metric("Classmates' reader", f"{agreeing} of {len(neighbours)}",
                      f"nearest drawings are {challenge.true_digit}s", delta_arrow="off",
                      delta_color="normal" if score.readable else "off")
    columns[2].metric("Score", score.score, f"of {MAX_SCORE}", delta_arrow="off", delta_color="off")
    if score.fooled and score.readable:
        st.success(f"Fooled! The model reads a {challenge.target_digit}, and your drawing still looks like the "
                   f"class's {challenge.true_digit}s.", icon=":material/trophy:")
    elif score.fooled:
        st.warning(f"The model reads a {challenge.target_digit}, but so would your classmates: it no longer looks "
                   f"like a {challenge.true_digit}.", icon=":material/visibility:")
    else:
        st.info(f"Not fooled yet: the model still reads {model_reads}.", icon=":material/shield:")
    st.button("Submit to the leaderboard", icon=":material/send:", key="challenge_submit",
              on_click=submit_attempt, args=(challenge, drawing, score))
    best = best_score(challenge, get_current_collection())
    st.caption(f"The reader knew {class_drawings:,} drawings of other collections. "
               + (f"Your collection's best so far: {best}." if best is not None else "No attempt submitted yet."))
st.markdown(HOW_IT_IS_SCORED)
