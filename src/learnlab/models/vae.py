"""The variational autoencoder: a latent-variable generative model trained by its ELBO.

Kingma & Welling (2014), "Auto-encoding variational Bayes" (ICLR); Rezende, Mohamed &
Wierstra (2014), "Stochastic backpropagation and approximate inference in deep generative
models" (ICML).

Generative model: z ~ N(0, I) in `latent` dimensions, then each pixel x_i ~ Bernoulli(
sigmoid(decoder(z)_i)). Its likelihood p(x) = E_z p(x|z) has no closed form, so an encoder
gives a Gaussian approximation of the posterior, q(z|x) = N(mu(x), diag(exp(log_var(x)))),
and both networks maximise the evidence lower bound

    log p(x) >= ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || p(z)).

The expectation is estimated with one sample written as z = mu + sigma * eps, eps ~ N(0, I)
(the reparameterisation trick), so that the gradient flows through mu and sigma. The loss
(negative ELBO, in nats) and the importance-weighted bound are in
`learnlab.objectives.elbo`.

Registered as `vae`: forward(x) returns the decoder's logits, shaped like x (a sampled z in
training mode, the posterior mean in eval mode, so that evaluation is deterministic);
`posterior(x)` gives (mean, log-variance), `encode(x)` the mean, `decode(z)` logits and
`sample(n, generator)` the Bernoulli means of n draws from the prior. `num_outputs` is ignored:
the latent size is the option `latent`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from learnlab.models.autoencoders import Autoencoder, check_widths, mlp
from learnlab.models.registry import Activation, check_int, make_activation, register_model


class VariationalAutoencoder(Autoencoder):
    """A Gaussian MLP encoder (mean and log-variance) and a Bernoulli MLP decoder."""

    output = "logits"

    def __init__(
        self, input_shape: tuple[int, ...], latent: int, hidden: Sequence[int], activation: str
    ) -> None:
        super().__init__()
        self.input_shape = tuple(input_shape)
        self.latent = latent
        size = math.prod(input_shape)
        # one output layer for both: the first half is the mean, the second the log-variance
        self.encoder = mlp([size, *hidden, 2 * latent], activation)
        self.decoder = mlp([latent, *reversed(hidden), size], activation)

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z|x): the mean and the log-variance, each (N, latent)."""
        mean, log_var = self.encoder(x.flatten(1)).chunk(2, dim=1)
        return mean, log_var

    @staticmethod
    def reparameterize(
        mean: torch.Tensor, log_var: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """z = mean + exp(log_var / 2) * eps with eps ~ N(0, I) (from `generator` if given)."""
        eps = torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)
        return mean + torch.exp(0.5 * log_var) * eps

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The posterior mean: the code used as a representation."""
        return self.posterior(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits of every pixel, shaped like one input each."""
        return self.decoder(z).view(-1, *self.input_shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean, log_var = self.posterior(x)
        z = self.reparameterize(mean, log_var) if self.training else mean
        return self.decode(z)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n draws z ~ N(0, I) decoded to Bernoulli means (pixel probabilities), (n, *shape)."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.latent, generator=generator, device=device)
        return torch.sigmoid(self.decode(z))


@register_model(
    "vae",
    "variational autoencoder (Kingma & Welling 2014): Gaussian MLP encoder, latent of size "
    "`latent`, Bernoulli MLP decoder; output = input-shaped logits; num_outputs is ignored",
)
def vae(
    input_shape: tuple[int, ...],
    num_outputs: int,
    latent: int = 16,
    hidden: Sequence[int] = (512, 256),
    activation: Activation = "relu",
) -> torch.nn.Module:
    del num_outputs  # the output has the input's shape; the latent size is `latent`
    make_activation(activation)  # checks the name
    return VariationalAutoencoder(
        input_shape,
        latent=check_int("latent", latent, minimum=1),
        hidden=check_widths("hidden", hidden, allow_empty=True),
        activation=activation,
    )
