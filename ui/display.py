"""Small display helpers shared by the pages."""

import matplotlib.pyplot as plt
import streamlit as st


def show_figure(figure, alt: str, **kwargs) -> None:
    """Show a matplotlib figure with its text alternative (what it shows, for a screen reader), then close it."""
    try:
        st.pyplot(figure, alt=alt, **kwargs)
    finally:
        plt.close(figure)
