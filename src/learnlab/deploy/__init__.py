"""Deploy: making a trained model smaller, faster and portable (lecture L4, "application
strategies": compression, quantisation, pruning, export). Each module takes an `nn.Module`
and returns a new one or a file, leaving the original untouched. Import the submodules you
need.
"""
