"""Deploy: making a trained model smaller, faster and portable (lecture L4, "application
strategies": compression, quantisation, pruning, export). Each module takes an `nn.Module`
and returns a new one or a file, leaving the original untouched. Import the submodules you
need.

- `inference_cost`: FLOPs and wall time per example of a forward pass, and hard (top-1)
  gating of a mixture of experts that runs only each example's chosen expert.
"""
