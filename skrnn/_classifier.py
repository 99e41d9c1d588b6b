"""RNNClassifier."""

import numbers

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted

from ._base import (
    ATTRIBUTES_FEATURES_DOC,
    ATTRIBUTES_FIT_DOC,
    PARAMETERS_DOC,
    BaseRNN,
)
from ._validation import check_y_classification, valid_steps

CLASS_WEIGHT_DOC = """
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as in LogisticRegression:
        ``{label: weight}`` (missing labels weigh 1), or "balanced",
        ``n_samples / (n_classes * np.bincount(y))``, which counts every
        valid time step with ``return_sequences``. Multiplies
        ``sample_weight``. For multilabel y, a list of dicts, one per label.
        ``score`` is not weighted by it; early stopping's validation score
        is (with "balanced", it stops on balanced accuracy).

"""


class RNNClassifier(ClassifierMixin, BaseRNN):
    __doc__ = """Recurrent neural network classifier trained by backpropagation through time.

    Reads each sequence with recurrent layers (Elman, LSTM or GRU; stacked,
    bidirectional) and classifies it from a pooling of its hidden states over
    time (attention, mean, max or the last state) -- or every step, with
    ``return_sequences`` -- with a linear layer and a logistic (binary, multilabel) or
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
        parameters=PARAMETERS_DOC.rstrip("\n") + CLASS_WEIGHT_DOC,
        features=ATTRIBUTES_FEATURES_DOC,
        fit=ATTRIBUTES_FIT_DOC,
    )

    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        "class_weight": [dict, list, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_size=64,
        *,
        cell="gru",
        activation="tanh",
        num_layers=1,
        bidirectional=False,
        return_sequences=False,
        pooling="attention",
        patch_size="auto",
        dropout=0.0,
        weights_init=None,
        init="orthogonal",
        standardize="auto",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="adaptive",
        learning_rate_init="auto",
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        max_grad_norm=1.0,
        bptt_steps=None,
        class_weight=None,
    ):
        super().__init__(
            hidden_size,
            cell=cell,
            activation=activation,
            num_layers=num_layers,
            bidirectional=bidirectional,
            return_sequences=return_sequences,
            pooling=pooling,
            patch_size=patch_size,
            dropout=dropout,
            weights_init=weights_init,
            init=init,
            standardize=standardize,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            max_grad_norm=max_grad_norm,
            bptt_steps=bptt_steps,
        )
        self.class_weight = class_weight

    def _prepare_targets(
        self, y, n_samples, dtype, reset, n_timesteps=None, lengths=None, classes=None
    ):
        y = check_y_classification(self, y, n_samples, n_timesteps, lengths)
        if n_timesteps is not None and lengths is None:
            y = y.ravel()  # per-step labels: every step is a sample
        check_classification_targets(y)
        multilabel = type_of_target(y) == "multilabel-indicator"
        if reset:
            from_classes = classes is not None and not multilabel
            binarizer = LabelBinarizer().fit(column_or_1d(classes) if from_classes else y)
            if len(binarizer.classes_) < 2:
                source = "classes" if from_classes else "y"
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes, but "
                    f"{source} contains only one class: "
                    f"{binarizer.classes_.tolist()[0]!r}."
                )
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
            self.n_outputs_ = 1 if binarizer.y_type_ == "binary" else len(self.classes_)
            multiclass = binarizer.y_type_ == "multiclass"
            self.out_activation_ = "softmax" if multiclass else "logistic"
            where = "the classes given" if from_classes else None
        else:
            if (
                classes is not None
                and not multilabel
                and not np.array_equal(column_or_1d(classes), self.classes_)
            ):
                raise ValueError(
                    f"classes={list(classes)} differs from the classes_ of the first "
                    f"call to partial_fit, {self.classes_.tolist()}."
                )
            if type_of_target(y) != self._label_binarizer.y_type_ and not (
                # a binary batch of a multiclass problem is still multiclass
                self._label_binarizer.y_type_ == "multiclass" and type_of_target(y) == "binary"
            ):
                raise ValueError(
                    f"y is {type_of_target(y)}, but {type(self).__name__} was "
                    f"fitted on {self._label_binarizer.y_type_} targets."
                )
            where, from_classes = "the first fit", False
        if where is not None and not multilabel:
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if len(unseen):
                hint = "" if from_classes else " Set warm_start=False to start afresh."
                raise ValueError(
                    f"y has classes {unseen.tolist()} not seen in {where}, whose "
                    f"classes are {self.classes_.tolist()}.{hint}"
                )
        Y = self._label_binarizer.transform(y)
        if n_timesteps is not None:
            if lengths is None:
                return Y.reshape(n_samples, n_timesteps, -1).astype(dtype)
            full = np.zeros((n_samples, n_timesteps, Y.shape[1]), dtype)
            full[valid_steps(lengths, n_samples, n_timesteps)] = Y
            return full
        return Y.astype(dtype)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences X and labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Sequences; 2-D X holds univariate sequences; or a list of
            variable-length sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels of any type, or a 0/1 indicator matrix (multilabel);
            with ``return_sequences=True``, labels (n_samples, n_timesteps),
            or for variable-length X a list of per-sequence label arrays (or
            an array padded like X, padding never read).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence in the loss (multiplied by
            ``class_weight``) and in the validation score of early stopping;
            an integer weight k trains as k copies.

        Returns
        -------
        self : RNNClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch of sgd or adam on (X, y), continuing from the current weights.

        For data that arrive in chunks or do not fit in memory. Not available
        with solver="lbfgs" or early_stopping=True; ``class_weight="balanced"``
        is refused (a chunk's class frequencies are not the data's: pass a
        dict).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Sequences, or a list of variable-length sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Labels, as in ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence.
        classes : array-like of shape (n_classes,), default=None
            Every class of the problem: required on the first call (a chunk
            may lack some), optional later (then it must match
            ``classes_``). Not needed for multilabel y.

        Returns
        -------
        self : RNNClassifier
            The updated estimator.
        """
        if (
            not hasattr(self, "_params")
            and classes is None
            and not (type_of_target(y) == "multilabel-indicator")
        ):
            raise ValueError(
                "classes must be passed on the first call to partial_fit: every "
                "class of the problem, e.g. classes=np.unique(y_all)."
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _target_weights(self, Y, lengths, incremental):
        if self.class_weight is None:
            return None, None
        self._check_class_weight_values()
        if incremental and isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: a "
                "chunk's class frequencies are not the data's. Pass a dict "
                "{class: weight} computed on all the data instead."
            )
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return compute_sample_weight(self.class_weight, Y.astype(int)), None
        if isinstance(self.class_weight, list):
            raise ValueError(
                f"class_weight is a list of {len(self.class_weight)} dict(s), the form "
                "for multilabel y (one dict per label), but y is "
                f"{self._label_binarizer.y_type_}: pass one dict {{label: weight}}, "
                "e.g. {" + ", ".join(f"{c!r}: 1.0" for c in self.classes_[:2].tolist()) + "}."
            )
        index = Y[..., 0].astype(int) if Y.shape[-1] == 1 else Y.argmax(axis=-1)
        if Y.ndim == 2:
            return compute_class_weight(
                self.class_weight, classes=self.classes_, y=self.classes_[index]
            )[index], None
        valid = valid_steps(lengths, *Y.shape[:2])  # per-step: a weight per valid step
        weights = compute_class_weight(
            self.class_weight, classes=self.classes_, y=self.classes_[index[valid]]
        )
        return None, np.where(valid, weights[index], 0.0).astype(Y.dtype)

    def _check_class_weight_values(self):
        """Every weight of a dict (or of each dict of a list) is a finite
        number >= 0: a negative or NaN weight would drop or corrupt a class."""
        dicts = self.class_weight if isinstance(self.class_weight, list) else [self.class_weight]
        for d in dicts:
            if not isinstance(d, dict):
                continue
            for label, weight in d.items():
                ok = isinstance(weight, numbers.Real) and not isinstance(weight, bool)
                if not ok or not np.isfinite(weight) or weight < 0:
                    raise ValueError(
                        f"class_weight must give every class a finite weight >= 0; "
                        f"got {label!r}: {weight!r}."
                    )

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
        proba = np.exp(self.predict_log_proba(X))
        # strictly inside (0, 1), as probabilities of a logistic or softmax
        # output are: exp rounds to 0 below log(tiny) and to 1 near log 1 = 0
        dtype = proba.dtype
        return np.clip(proba, np.finfo(dtype).tiny, np.nextafter(dtype.type(1), dtype.type(0)))

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``, computed from the network's logits.

        Finite wherever the logits are, also where ``predict_proba`` rounds a
        probability to its bounds (a saturated output).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Sequences.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            With ``return_sequences=True``, (n_samples, n_timesteps,
            n_classes), NaN at padded steps.
        """
        z = self._forward_output(X, logits=True)
        if self.out_activation_ == "softmax":
            top = np.max(z, axis=-1, keepdims=True)
            return z - top - np.log(np.exp(z - top).sum(axis=-1, keepdims=True))
        log_p = -np.logaddexp(0, -z)  # log sigmoid(z), without overflow
        if self._label_binarizer.y_type_ == "binary":
            return np.concatenate([-np.logaddexp(0, z), log_p], axis=-1)
        return log_p

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
            return self._decode(p)
        n, T = p.shape[:2]
        if lengths is None:
            return self._decode(p.reshape(n * T, -1)).reshape(n, T)
        valid = valid_steps(lengths, n, T)
        labels = self._decode(p[valid])
        if labels.dtype.kind in "iuf":
            out = np.full((n, T), np.nan)
        else:
            out = np.full((n, T), None, dtype=object)
        out[valid] = labels
        return out

    _metric = staticmethod(accuracy_score)

    def _decode(self, rows):
        """Output activations (m, n_outputs_) -> labels (m,) or (m, n_labels)."""
        return self._label_binarizer.inverse_transform(
            rows.ravel() if self.n_outputs_ == 1 else rows
        )

    def _per_step_truth(self, y, n_samples, n_timesteps, lengths):
        return check_y_classification(self, y, n_samples, n_timesteps, lengths)

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
        check_is_fitted(self)
        if not self._net.return_sequences:  # as fitted, whatever the parameter is now
            return super().score(X, y, sample_weight)
        return self._per_step_score(X, y, sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
