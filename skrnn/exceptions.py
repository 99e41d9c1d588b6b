"""Warnings raised by skrnn."""

__all__ = ["InconsistentVersionWarning"]


class InconsistentVersionWarning(UserWarning):
    """A model saved by one skrnn version is loaded by another.

    Raised when an estimator is unpickled (pickle, joblib, skops) by a skrnn
    version other than the one that saved it; as scikit-learn's warning of
    the same name, it means the model may not behave as it did, or may fail.
    ``original_version`` is None for a model saved before skrnn recorded it.
    """

    def __init__(self, *, estimator_name, current_version, original_version):
        self.estimator_name = estimator_name
        self.current_version = current_version
        self.original_version = original_version
        saved = (
            "an unknown skrnn version" if original_version is None else f"skrnn {original_version}"
        )
        super().__init__(
            f"Loading {estimator_name} saved by {saved} with skrnn "
            f"{current_version}: this might break or give different results. "
            f"Refit it with skrnn {current_version}, or load it with the "
            f"version that saved it."
        )
