"""Small display helpers shared by the pages."""

import streamlit as st


def show_figure(figure, alt: str, **kwargs) -> None:
    """Show a matplotlib figure with its text alternative (what it shows, for a screen reader), then close it."""
    import matplotlib.pyplot as plt  # imported when a figure is first shown, not before a page's first run

    try:
        st.pyplot(figure, alt=alt, **kwargs)
    finally:
        plt.close(figure)
