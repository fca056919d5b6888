"""The Convolution demo's step-by-step section in AppTest: padding and stride change the formula and the output."""

import matplotlib.pyplot as plt
import numpy as np
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.model.inference import classify
from mnist_cnn.store.model_store import ModelStore
from tests.support.apptest import open_app_page

TIMEOUT = 180  # seconds per run: the machine is small and shared


def latex_values(app: AppTest) -> list[str]:
    return [item.value for item in app.latex]


def test_padding_and_stride_change_the_output_size_and_softmax_uses_the_real_logits():
    drawing = np.zeros((28, 28), "float32")
    drawing[6:22, 12:16] = 1.0  # a "1"
    app = open_app_page("pages/convolution.py", TIMEOUT, {"drawing_input": drawing})
    assert any(r"\right\rfloor + 1 = 28" in value for value in latex_values(app))  # p = 1, s = 1
    app.slider(key="steps_stride").set_value(2).run()
    assert any(r"{2} \right\rfloor + 1 = 14" in value for value in latex_values(app))
    app.slider(key="steps_padding").set_value(0).run()
    app.slider(key="steps_stride").set_value(3).run()
    assert any(r"\right\rfloor + 1 = 9" in value for value in latex_values(app))
    assert app.slider(key="steps_row").max == 8
    app.slider(key="steps_row").set_value(8).run()
    assert not app.exception, [item.value for item in app.exception]
    assert any(r"\max(" in value and "ReLU" not in value for value in latex_values(app))  # the pooling window's numbers
    assert any(r"\mathrm{ReLU}(y_{8," in value for value in latex_values(app))

    table = app.dataframe[-1].value
    expected = classify(ModelStore().load(config.DEFAULT_MODEL_NAME), drawing).probabilities
    np.testing.assert_allclose(table["probability"].to_numpy(), expected, atol=1e-4)
    assert plt.get_fignums() == []
