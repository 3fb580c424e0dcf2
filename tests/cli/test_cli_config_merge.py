"""Settings merge as documented: defaults < --config TOML < flags < --set (in order)."""

from __future__ import annotations

import pytest

from learnlab.config import ConfigError, TrainConfig, build_config
from learnlab.config_text import parse_assignment


def test_precedence_and_nested_options(tmp_path):
    toml = tmp_path / "exp.toml"
    toml.write_text(
        'dataset = "digits"\nmodel = "mlp"\nlr = 0.5\nepochs = 4\n'
        "[model_options]\nwidth = 64\ndepth = 3\n"
    )
    config = build_config(
        TrainConfig,
        config_file=toml,
        flags={"lr": 0.25, "epochs": None, "seed": 9},
        assignments=["model_options.width=32", "optimizer=sgd", "grad_clip=1.5", "lr=0.125"],
    )
    assert config.dataset == "digits" and config.epochs == 4  # file over default; None flag ignored
    assert config.lr == 0.125  # the last --set wins over the flag and the file
    assert config.seed == 9
    assert config.model_options == {"width": 32, "depth": 3}  # --set edits one nested key
    assert config.optimizer == "sgd" and config.grad_clip == 1.5
    assert TrainConfig().batch_size == 64


def test_set_values_are_read_as_toml_else_as_strings():
    assert parse_assignment("a.b=3") == (["a", "b"], 3)
    assert parse_assignment("x=[1, 2]") == (["x"], [1, 2])
    assert parse_assignment("flag=true") == (["flag"], True)
    assert parse_assignment("name=sgd") == (["name"], "sgd")
    assert parse_assignment('name="1e-3"') == (["name"], "1e-3")


def test_a_list_that_is_not_toml_is_refused_with_the_quoted_form():
    with pytest.raises(ConfigError) as err:
        parse_assignment("regularizers=[augmentation, dropout]")
    message = str(err.value)
    assert "not a valid TOML list" in message
    assert """--set 'regularizers=["augmentation", "dropout"]'""" in message
    assert parse_assignment('regularizers=["augmentation"]') == (["regularizers"], ["augmentation"])
    with pytest.raises(ConfigError, match="not a valid TOML list or table"):
        parse_assignment("options={width 3}")
    with pytest.raises(ConfigError, match=r"""--set 'shots=\[1, "five"\]'"""):
        parse_assignment("shots=[1, five")  # unclosed, a word unquoted: numbers stay numbers
    assert parse_assignment("name=") == (["name"], "")  # an empty value is still a string
