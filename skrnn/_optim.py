"""Optimisers on the flat parameter vector.

``SGD`` and ``Adam`` update the vector in place (so every named view of it,
``weights_`` included, stays current); ``minimize_lbfgs`` runs scipy's L-BFGS-B
on the same ``loss_and_grad`` the stochastic solvers call. Semantics follow
scikit-learn's MLP (``sklearn/neural_network/_stochastic_optimizers.py``).
"""

import numpy as np
import scipy.optimize


class _Optimizer:
    """Learning-rate schedule shared by SGD and Adam.

    * "constant": ``learning_rate_init`` throughout;
    * "invscaling": ``learning_rate_init / (t + 1) ** power_t`` after each
      epoch, t the number of samples seen (MLP's ``t_``);
    * "adaptive": constant while the loss improves; when it has not improved
      by ``tol`` for ``n_iter_no_change`` epochs, divide by 5, and stop once
      the rate falls below 1e-6.
    """

    def __init__(self, learning_rate_init, lr_schedule="constant", power_t=0.5):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.power_t = power_t

    def iteration_ends(self, time_step):
        if self.lr_schedule == "invscaling":
            self.learning_rate = float(self.learning_rate_init) / (time_step + 1) ** self.power_t

    def trigger_stopping(self, msg, verbose):
        """Return True to stop training, False after lowering the rate."""
        if self.lr_schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + f" Setting learning rate to {self.learning_rate:f}")
        return False


class SGD(_Optimizer):
    """SGD with (Nesterov) momentum: v <- mu v - lr g; p <- p + v (+ mu v - lr g)."""

    def __init__(
        self,
        params,
        learning_rate_init=0.1,
        lr_schedule="constant",
        momentum=0.9,
        nesterov=True,
        power_t=0.5,
    ):
        super().__init__(learning_rate_init, lr_schedule, power_t)
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = np.zeros_like(params)

    def update(self, params, grad):
        v = self.velocity
        v *= self.momentum
        v -= self.learning_rate * grad
        if self.nesterov:
            params += self.momentum * v - self.learning_rate * grad
        else:
            params += v


class Adam(_Optimizer):
    """Adam (Kingma & Ba, 2014), bias correction folded into the step size."""

    def __init__(
        self,
        params,
        learning_rate_init=0.001,
        lr_schedule="constant",
        power_t=0.5,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
    ):
        super().__init__(learning_rate_init, lr_schedule, power_t)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)

    def update(self, params, grad):
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        self.m *= b1
        self.m += (1 - b1) * grad
        self.v *= b2
        self.v += (1 - b2) * (grad * grad)
        step = self.learning_rate * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        params -= step * self.m / (np.sqrt(self.v) + self.epsilon)


def clip_grad_norm(grad, max_norm):
    """Scale ``grad`` in place so that its L2 norm is at most ``max_norm``."""
    if max_norm is None:
        return grad
    norm = float(np.sqrt(np.dot(grad, grad)))
    if norm > max_norm:
        grad *= max_norm / norm
    return grad


def minimize_lbfgs(fun, params, max_iter, max_fun, tol, report=None):
    """L-BFGS-B on ``fun(params) -> (loss, grad)``; returns scipy's result.

    scipy works in float64; ``fun`` receives float64 vectors and the caller
    casts to its own dtype. ``report(n_iter, loss)``, if given, is called
    after every iteration.
    """
    options = {"maxfun": max_fun, "maxiter": max_iter, "gtol": tol}
    n_iter = 0

    def callback(intermediate_result):
        nonlocal n_iter
        n_iter += 1
        report(n_iter, intermediate_result.fun)

    return scipy.optimize.minimize(
        fun,
        params.astype(np.float64),
        method="L-BFGS-B",
        jac=True,
        options=options,
        callback=callback if report is not None else None,
    )
