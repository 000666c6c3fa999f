"""Chapter 5: one training step of our tensor engine against PyTorch eager, on the CPU.

A step is forward, cross-entropy, backward and an SGD update. Both sides start
from the same weights and see the same batch; after timing, both must hold the
same parameters (float32, to 1e-4) before the ratio is reported.
"""

from __future__ import annotations

import numpy as np
import torch
from run import Case

from gradbook.tensor import Tensor, nn, optim
from gradbook.tensor.functional import cross_entropy


def make_case(sizes: list[int], batch: int, number: int) -> Case:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch)

    layers = []
    for i, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(nin, nout, rng=i))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    ours_model = nn.Sequential(*layers)
    ours_opt = optim.SGD(ours_model.parameters(), lr=0.01)

    torch_layers = []
    for layer in layers:
        if isinstance(layer, nn.Linear):
            t = torch.nn.Linear(*layer.weight.shape)
            with torch.no_grad():
                t.weight.copy_(torch.from_numpy(layer.weight.data.T.copy()))
                t.bias.copy_(torch.from_numpy(layer.bias.data.copy()))
            torch_layers.append(t)
        else:
            torch_layers.append(torch.nn.ReLU())
    torch_model = torch.nn.Sequential(*torch_layers)
    torch_opt = torch.optim.SGD(torch_model.parameters(), lr=0.01)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    X_ours = Tensor(X)

    def ours_step():
        loss = cross_entropy(ours_model(X_ours), y)
        ours_opt.zero_grad()
        loss.backward()
        ours_opt.step()
        return ours_model

    def torch_step():
        loss = torch.nn.functional.cross_entropy(torch_model(X_t), y_t)
        torch_opt.zero_grad()
        loss.backward()
        torch_opt.step()
        return torch_model

    def same_parameters(ours, theirs):
        for layer, t in zip(
            [m for m in ours.layers if isinstance(m, nn.Linear)],
            [m for m in theirs if isinstance(m, torch.nn.Linear)],
        ):
            np.testing.assert_allclose(layer.weight.data, t.weight.detach().numpy().T, atol=1e-4)
            np.testing.assert_allclose(layer.bias.data, t.bias.detach().numpy(), atol=1e-4)

    name = "→".join(map(str, sizes))
    return Case(
        name=f"ch05 training step, MLP {name}, batch {batch}",
        ours=ours_step,
        reference=torch_step,
        reference_name=f"PyTorch {torch.__version__} eager, CPU",
        repeats=7,
        number=number,
        check=same_parameters,
    )


CASES = [
    make_case([64, 128, 64, 10], 64, number=200),
    make_case([784, 128, 64, 10], 32, number=200),
    make_case([784, 128, 64, 10], 256, number=50),
]
