"""Deploy: making a trained model smaller, faster and portable (lecture L4, "application
strategies": compression, quantisation, pruning, export). Each module takes an `nn.Module`
and returns a new one or a file, leaving the original untouched. Import the submodules you
need.

- `inference_cost`: FLOPs and wall time per example of a forward pass, and hard (top-1)
  gating of a mixture of experts that runs only each example's chosen expert.
- `magnitude`: unstructured magnitude pruning (torch.nn.utils.prune), permanent on a copy.
- `channels`: channel pruning (Li et al. 2017) that builds the smaller dense conv net.
- `quantize`: dynamic int8 quantisation of nn.Linear and nn.LSTM layers (torch.ao).
- `fine_tune`: a few epochs of retraining of a compressed model (the project's Trainer).
- `measure`: test accuracy, saved size, and median latencies timed side by side.
export: export_model writes a model as ONNX, TorchScript or an ExportedProgram, checked
    against the eager model before it is put in place (export_formats: the three formats;
    export_source: a run's saved models and the test examples to check on).
"""
