"""RNNClassifier."""

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ._base import (
    ATTRIBUTES_FEATURES_DOC,
    ATTRIBUTES_FIT_DOC,
    PARAMETERS_DOC,
    BaseRNN,
)
from ._validation import check_y_classification


class RNNClassifier(ClassifierMixin, BaseRNN):
    __doc__ = """Recurrent neural network classifier trained by backpropagation through time.

    Reads each sequence with recurrent layers (Elman, LSTM or GRU; stacked,
    bidirectional) and classifies it from the last hidden state -- or every
    step, with ``return_sequences`` -- with a linear layer and a logistic (binary, multilabel) or
    softmax (multiclass) output, minimising the log-loss with an L2 penalty
    (MLPClassifier's loss) by Adam, SGD or L-BFGS. Labels may be of any type;
    a 2-D 0/1 indicator y is a multilabel problem, as in MLPClassifier.

{parameters}    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,) or list of ndarray
        Class labels (for multilabel y, the column indices).
{features}    n_outputs_ : int
        Number of output units: 1 for binary problems, else the number of
        classes or labels.
    out_activation_ : str
        "logistic" (binary, multilabel) or "softmax" (multiclass).
{fit}
    See Also
    --------
    RNNRegressor : The regressor.
    sklearn.neural_network.MLPClassifier : The feed-forward model whose
        parameters these follow.

    Examples
    --------
    >>> from sklearn.model_selection import train_test_split
    >>> from skrnn import RNNClassifier
    >>> from skrnn.datasets import load_digits_sequences
    >>> X, y = load_digits_sequences(return_X_y=True)   # (1797, 8, 8): 8 rows of 8 pixels
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> clf = RNNClassifier(hidden_size=32, max_iter=100, random_state=0)
    >>> clf.fit(X_train, y_train).score(X_test, y_test) > 0.9
    True
    >>> clf.predict_proba(X_test[:1]).shape
    (1, 10)
    """.format(
        parameters=PARAMETERS_DOC, features=ATTRIBUTES_FEATURES_DOC,
        fit=ATTRIBUTES_FIT_DOC,
    )

    def _prepare_targets(
        self, y, n_samples, dtype, reset, n_timesteps=None, lengths=None
    ):
        y = check_y_classification(self, y, n_samples, n_timesteps, lengths)
        if n_timesteps is not None and lengths is None:
            y = y.ravel()  # per-step labels: every step is a sample
        check_classification_targets(y)
        if reset:
            binarizer = LabelBinarizer().fit(y)
            if len(binarizer.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes, "
                    f"but y contains only one class: {binarizer.classes_.tolist()[0]!r}."
                )
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
            Y = binarizer.transform(y)
            self.n_outputs_ = Y.shape[1]
            multiclass = binarizer.y_type_ == "multiclass"
            self.out_activation_ = "softmax" if multiclass else "logistic"
        else:
            if type_of_target(y) != self._label_binarizer.y_type_ and not (
                # a binary batch of a multiclass problem is still multiclass
                self._label_binarizer.y_type_ == "multiclass"
                and type_of_target(y) == "binary"
            ):
                raise ValueError(
                    f"y is {type_of_target(y)}, but {type(self).__name__} was "
                    f"fitted on {self._label_binarizer.y_type_} targets."
                )
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if self._label_binarizer.y_type_ != "multilabel-indicator" and len(unseen):
                raise ValueError(
                    f"y has classes {unseen.tolist()} not seen in the first fit, "
                    f"whose classes_ are {self.classes_.tolist()}. Set "
                    "warm_start=False to start afresh."
                )
            Y = self._label_binarizer.transform(y)
        if n_timesteps is not None:
            if lengths is None:
                return Y.reshape(n_samples, n_timesteps, -1).astype(dtype)
            full = np.zeros((n_samples, n_timesteps, Y.shape[1]), dtype)
            full[np.arange(n_timesteps)[None, :] < lengths[:, None]] = Y
            return full
        return Y.astype(dtype)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the network to sequences X and labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Sequences; 2-D X holds univariate sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels of any type, or a 0/1 indicator matrix (multilabel);
            with ``return_sequences=True``, labels (n_samples, n_timesteps),
            or for variable-length X a list of per-sequence label arrays (or
            an array padded like X, padding never read).

        Returns
        -------
        self : RNNClassifier
            The fitted estimator.
        """
        return self._fit(X, y)

    def predict_proba(self, X):
        """Class probabilities of each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Sequences.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; for multilabel problems, the
            probability of each label; with ``return_sequences=True``,
            (n_samples, n_timesteps, n_classes), NaN at padded steps.
        """
        p = self._forward_output(X)
        if self._label_binarizer.y_type_ == "binary":
            return np.concatenate([1 - p, p], axis=-1)
        return p

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Sequences.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predict class labels (or label indicators, for multilabel problems).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Sequences, or a list of variable-length sequences.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels; (n_samples, n_timesteps) with
            ``return_sequences=True``, where the padded steps of shorter
            sequences hold NaN (numeric labels, returned as floats) or None
            (other labels, returned as an object array).
        """
        p, lengths = self._forward_output(X, return_lengths=True)
        if p.ndim == 2:
            return self._labels(p)
        n, T = p.shape[:2]
        if lengths is None:
            return self._labels(p.reshape(n * T, -1)).reshape(n, T)
        valid = np.arange(T)[None, :] < lengths[:, None]
        labels = self._labels(p[valid])
        if labels.dtype.kind in "iuf":
            out = np.full((n, T), np.nan)
        else:
            out = np.full((n, T), None, dtype=object)
        out[valid] = labels
        return out

    def _labels(self, p):
        """Output activations (m, n_outputs_) -> labels (m,) or (m, n_labels)."""
        return self._label_binarizer.inverse_transform(
            p.ravel() if self.n_outputs_ == 1 else p
        )

    def _per_step_truth(self, y, n_samples, n_timesteps, lengths):
        return check_y_classification(self, y, n_samples, n_timesteps, lengths)

    def _per_step_predict(self, out, lengths):
        valid = np.arange(out.shape[1])[None, :] < lengths[:, None]
        return self._labels(out[valid])

    def score(self, X, y, sample_weight=None):
        """Mean accuracy, as ``ClassifierMixin.score``.

        With ``return_sequences=True``, the accuracy over all valid (sequence,
        time step) pairs; y as in ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Sequences.
        y : array-like of shape (n_samples,), (n_samples, n_labels) or (n_samples, n_timesteps)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence.

        Returns
        -------
        score : float
        """
        if not self.return_sequences:
            return super().score(X, y, sample_weight)
        return self._per_step_score(X, y, sample_weight, accuracy_score)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
