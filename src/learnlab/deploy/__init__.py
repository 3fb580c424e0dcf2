"""Deploy: making a trained model smaller, faster and portable (lecture L4, "application
strategies": compression, quantisation, pruning, export). Each module takes an `nn.Module`
and returns a new one or a file, leaving the original untouched. Import the submodules you
need.

export: export_model writes a model as ONNX, TorchScript or an ExportedProgram, checked
    against the eager model before it is put in place (export_formats: the three formats;
    export_source: a run's saved models and the test examples to check on).
"""
