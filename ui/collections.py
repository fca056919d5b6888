"""The sidebar's collection picker: whose labelled drawings this session saves, shows and fine-tunes on."""

import secrets

import streamlit as st

from mnist_cnn.my_digits.class_set import CLASS_SET, is_reserved
from mnist_cnn.my_digits.collections import (DEFAULT_COLLECTION, MyDigitsDatabaseError, MyDigitsError,
                                             validate_collection_name)
from mnist_cnn.safety.rate_limit import RateLimitError
from mnist_cnn.safety.text import escape_markdown
from ui import limits
from ui.my_digits_store import my_digits_store
from ui.ownership import get_owner_secret, write_owner_cookie
from ui.teacher import is_teacher

# Session-state keys: the current collection, the picker widget, the new-name field, its suggestion, a notice.
COLLECTION_KEY = "collection"
PICKER_KEY = "collection_picker"
NEW_NAME_KEY = "collection_new_name"
SUGGESTION_KEY = "collection_suggestion"
NOTICE_KEY = "collection_notice"
# The URL parameter that carries the collection, so a bookmark opens it again.
QUERY_PARAMETER = "collection"
# The new-name field takes more than a name may hold (40), so that a longer pasted name is refused with a message
# instead of being cut short by the browser.
MAX_TYPED_NAME_CHARS = 200
# Words of the friendly names made for people who do not choose one ("calm-otter-42").
ADJECTIVES = ("brave", "calm", "clever", "curious", "gentle", "happy", "lucky", "quick", "quiet", "sunny", "swift",
              "wise")
ANIMALS = ("badger", "dolphin", "falcon", "fox", "hedgehog", "koala", "lynx", "otter", "owl", "panda", "robin",
           "tiger")


def make_friendly_name() -> str:
    """A random, readable collection name such as 'calm-otter-42'."""
    return f"{secrets.choice(ADJECTIVES)}-{secrets.choice(ANIMALS)}-{10 + secrets.randbelow(90)}"


def read_collection_from_url() -> str:
    """The collection named by ?collection= if it is valid and exists; else the default, with a notice why."""
    requested = st.query_params.get(QUERY_PARAMETER)
    if requested is None:
        return DEFAULT_COLLECTION
    try:
        name = validate_collection_name(requested)
        if is_reserved(name) and not is_teacher():  # the class set is the teacher's: a link does not open it
            st.session_state[NOTICE_KEY] = (f"{CLASS_SET!r} is the class's set, kept by the teacher; drawings reach "
                                            f"it through \"It got this wrong\". Using {DEFAULT_COLLECTION!r}.")
            return DEFAULT_COLLECTION
        if my_digits_store().has_collection(name):
            return name
    except MyDigitsDatabaseError:
        return name  # the database is down: keep the person's collection; My digits explains the fault
    except MyDigitsError as error:  # the link's text is shown as text, never as Markdown (a link, a heading)
        st.session_state[NOTICE_KEY] = (f"The link's collection was not opened: {escape_markdown(error)} Using "
                                        f"{DEFAULT_COLLECTION!r}.")
        return DEFAULT_COLLECTION
    st.session_state[NOTICE_KEY] = (f"There is no collection named {escape_markdown(repr(name))} on this server: "
                                    f"check the link, or create it under **New collection**. Using "
                                    f"{DEFAULT_COLLECTION!r}.")
    st.session_state.setdefault(NEW_NAME_KEY, name)
    return DEFAULT_COLLECTION


def get_current_collection() -> str:
    """The collection chosen in this session: from the URL on the first visit, then from session state."""
    if COLLECTION_KEY not in st.session_state:
        st.session_state[COLLECTION_KEY] = read_collection_from_url()
    return st.session_state[COLLECTION_KEY]


def sync_query_parameter(collection: str) -> None:
    """Keep ?collection= in the page's URL equal to the current collection (none for the default)."""
    if collection == DEFAULT_COLLECTION:
        if QUERY_PARAMETER in st.query_params:
            del st.query_params[QUERY_PARAMETER]
    elif st.query_params.get(QUERY_PARAMETER) != collection:
        st.query_params[QUERY_PARAMETER] = collection


def choose_collection(collection: str) -> None:
    """Make collection the session's current one (a widget callback)."""
    st.session_state[COLLECTION_KEY] = collection
    st.session_state[PICKER_KEY] = collection


def create_owned_collection(name: str) -> str:
    """Switch to an existing collection of this name, or create one owned by this browser (rate-limited)."""
    store = my_digits_store()
    if is_reserved(name) and not is_teacher():
        raise MyDigitsError(f"{CLASS_SET!r} is the class's shared set (filled by \"It got this wrong\" on the Draw "
                            f"page): pick another name.")
    if store.has_collection(name):
        return validate_collection_name(name)
    limits.acquire_new_collection()  # before creating, so that sessions creating at once are all counted
    try:
        return store.create_collection(name, get_owner_secret())
    except MyDigitsError:
        limits.refund_new_collection()
        raise


def create_collection_from_input() -> None:
    """Create the collection named in the new-name field (or the suggested name) and switch to it."""
    typed = st.session_state.get(NEW_NAME_KEY) or st.session_state[SUGGESTION_KEY]
    try:
        collection = create_owned_collection(typed)
    except (MyDigitsError, RateLimitError) as error:
        st.session_state[NOTICE_KEY] = f"No collection was created: {escape_markdown(error)}"
        return
    choose_collection(collection)
    st.session_state[NEW_NAME_KEY] = ""
    st.session_state[SUGGESTION_KEY] = make_friendly_name()


def show_collection_picker() -> None:
    """Sidebar: pick an existing collection or create one by name; keeps ?collection= in the URL in sync."""
    current = get_current_collection()
    st.session_state.setdefault(SUGGESTION_KEY, make_friendly_name())
    with st.sidebar:
        st.subheader("My collection")
        notice = st.session_state.pop(NOTICE_KEY, None)
        if notice:
            st.warning(notice, icon=":material/folder_off:")
        try:
            names = my_digits_store().list_collections()
        except MyDigitsError as error:
            st.caption(f"Collections are unavailable: {error}")
            return
        if current not in names:  # deleted by the teacher (or given back while empty) since this session chose it
            st.warning(f"The collection {escape_markdown(repr(current))} is no longer on this server: using "
                       f"{DEFAULT_COLLECTION!r}.", icon=":material/folder_off:")
            current = DEFAULT_COLLECTION
            choose_collection(current)
        st.session_state[PICKER_KEY] = current
        shown = [name for name in names if name != CLASS_SET or name == current or is_teacher()]  # the class set
        st.selectbox("Collection", shown, key=PICKER_KEY,
                     on_change=lambda: choose_collection(st.session_state[PICKER_KEY]),
                     help="Your labelled drawings: the Draw page saves into it, My digits shows it, fine-tuning "
                          "learns from it. Bookmark the page to come back to it.")
        with st.expander("New collection", icon=":material/create_new_folder:"):
            st.text_input("Name", key=NEW_NAME_KEY, max_chars=MAX_TYPED_NAME_CHARS,
                          placeholder=st.session_state[SUGGESTION_KEY],
                          help="1-40 letters, digits, spaces, '-' or '_'. Leave it empty for the suggested name.")
            st.button("Create", key="collection_create", icon=":material/add:", on_click=create_collection_from_input)
        write_owner_cookie()
    sync_query_parameter(current)
