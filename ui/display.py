"""Small display helpers shared by the pages."""

import matplotlib.pyplot as plt
import streamlit as st


def show_figure(figure, **kwargs) -> None:
    """Show a matplotlib figure and close it, so reruns do not accumulate figures."""
    try:
        st.pyplot(figure, **kwargs)
    finally:
        plt.close(figure)
