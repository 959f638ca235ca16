"""skbpnet: scikit-learn compatible backpropagation neural networks in NumPy."""

from ._classifier import BPClassifier
from ._gradcheck import gradient_check
from ._plotting import GradientNormDisplay, LossCurveDisplay
from ._regressor import BPRegressor

__version__ = "0.1.0"

__all__ = [
    "BPClassifier",
    "BPRegressor",
    "GradientNormDisplay",
    "LossCurveDisplay",
    "gradient_check",
    "__version__",
]
