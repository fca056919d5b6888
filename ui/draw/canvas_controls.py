"""The Draw page's canvas: Clear empties it at once, strokes are sent as they end, and what it sends is decoded.

streamlit-drawable-canvas 0.13 sends a drawing 200 ms after its last change, and Python can only empty it by
changing its initial drawing, which reaches the browser a server round trip later: under load, a stroke drawn in
between was wiped. This small component works in the browser instead. It presses the canvas's own toolbar buttons:
"Update the app with this drawing" as soon as a stroke ends, and "Reset canvas & history" for Clear. Both act at
once and send the canvas's new state straight away. If those buttons ever go missing (another canvas version), a
stroke is still sent by the canvas itself after its 200 ms pause; only Clear would stop working, and the browser
tests say so.
"""

import json

import streamlit as st

from mnist_cnn.inputs.canvas_image import CanvasImageError, decode_canvas_png

# Titles of the canvas toolbar's buttons (streamlit-drawable-canvas 0.13), which this component presses.
SEND_BUTTON_TITLE = "Update the app with this drawing"
RESET_BUTTON_TITLE = "Reset canvas & history"

CONTROLS_HTML = """
<button type="button" class="clear-button" title="Empty the canvas">
  <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13"/></svg>
  <span>Clear</span>
</button>
"""

# Looks like Streamlit's own secondary button, in the app's theme colours.
CONTROLS_CSS = """
.clear-button {
  display: inline-flex; align-items: center; gap: 0.5rem; min-height: 2.5rem; padding: 0.25rem 0.75rem;
  font-family: var(--st-font); font-size: 1rem; line-height: 1.6; cursor: pointer;
  color: var(--st-text-color); background: var(--st-background-color);
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2)); border-radius: 0.5rem;
}
.clear-button:hover, .clear-button:focus-visible { color: var(--st-primary-color); border-color: var(--st-primary-color); }
.clear-button:active { color: var(--st-background-color); background: var(--st-primary-color); }
.clear-button svg { width: 1.1rem; height: 1.1rem; fill: none; stroke: currentColor; stroke-width: 2;
  stroke-linecap: round; stroke-linejoin: round; }
"""

CONTROLS_JS = """
const SEND_TITLE = %(send)s;
const RESET_TITLE = %(reset)s;
const mounted = new WeakMap();

// The canvas component renders inside a shadow root, in the element container named after its widget key.
function findCanvasHost(canvasKey) {
  return document.querySelector(`.st-key-${canvasKey} [data-testid="stBidiComponentIsolated"]`);
}

function pressCanvasButton(canvasKey, title) {
  const root = findCanvasHost(canvasKey)?.shadowRoot;
  const button = root?.querySelector(`button[title="${title}"]`);
  if (button) button.click();
  return Boolean(button);
}

// Strokes sent at once are counted on the Clear button (data-strokes-sent), so that tests can see it work.
function connect(parentElement, state) {
  const button = parentElement.querySelector(".clear-button");
  let strokeStarted = false, pending = null;
  const onPointerDown = (event) => {
    const host = findCanvasHost(state.canvasKey);
    strokeStarted = Boolean(host) && event.composedPath().includes(host);
  };
  // Send once the canvas has recorded the stroke (it does so in a microtask after the pointer is released).
  const onStrokeEnd = () => {
    if (!strokeStarted) return;
    clearTimeout(pending);
    pending = setTimeout(() => {
      strokeStarted = false;
      if (pressCanvasButton(state.canvasKey, SEND_TITLE)) button.dataset.strokesSent = ++state.strokesSent;
    }, 0);
  };
  // While the canvas starts from a shared drawing its reset would bring that drawing back: the server clears it.
  const onClear = () => state.clearsOnServer ? state.setTriggerValue("cleared", true)
                                             : pressCanvasButton(state.canvasKey, RESET_TITLE);
  document.addEventListener("pointerdown", onPointerDown, true);
  document.addEventListener("pointerup", onStrokeEnd, true);
  document.addEventListener("touchend", onStrokeEnd, true);
  button.addEventListener("click", onClear);
  return () => {
    clearTimeout(pending);
    document.removeEventListener("pointerdown", onPointerDown, true);
    document.removeEventListener("pointerup", onStrokeEnd, true);
    document.removeEventListener("touchend", onStrokeEnd, true);
    button.removeEventListener("click", onClear);
  };
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let state = mounted.get(parentElement);
  if (!state) {
    state = { canvasKey: data.canvasKey, strokesSent: 0 };
    state.disconnect = connect(parentElement, state);
    mounted.set(parentElement, state);
  }
  state.canvasKey = data.canvasKey;
  state.clearsOnServer = Boolean(data.clearsOnServer);
  state.setTriggerValue = setTriggerValue;
  return () => {
    state.disconnect();
    mounted.delete(parentElement);
  };
}
""" % {"send": json.dumps(SEND_BUTTON_TITLE), "reset": json.dumps(RESET_BUTTON_TITLE)}

_mount_controls = st.components.v2.component("mnist_cnn_explorer.canvas_controls", html=CONTROLS_HTML,
                                             css=CONTROLS_CSS, js=CONTROLS_JS, isolate_styles=True)


def show_canvas_controls(canvas_key: str, on_server_clear=None) -> None:
    """The Clear button, and instant sending of each stroke, for the drawing canvas with this widget key.

    With on_server_clear, Clear calls it (in a rerun) instead of emptying the canvas in the browser.
    """
    _mount_controls(data={"canvasKey": canvas_key, "clearsOnServer": on_server_clear is not None},
                    key=f"{canvas_key}_controls", width="content", height="content",
                    on_cleared_change=on_server_clear or (lambda: None))


def read_drawing(canvas):
    """The canvas's RGBA drawing (H, W, 4), or None before it has sent one or when what it sent is unusable.

    The PNG the browser sent is decoded by decode_canvas_png, never by Pillow (the result's image_data property).
    """
    try:
        data = canvas.image_bytes  # the data URL's bytes, base64-decoded only
        return None if data is None else decode_canvas_png(data)
    except (ValueError, TypeError, AttributeError) as error:  # CanvasImageError, or not a base64 data URL
        reason = str(error) if isinstance(error, CanvasImageError) else "it is not a base64 data URL."
        st.error(f"The drawing sent by the browser cannot be used: {reason} Clear the canvas and draw again.",
                 icon=":material/broken_image:")
        return None
