"""examples/edge's surname classifier as ONNX, for the edge benchmark's ONNX Runtime Web peer:
scripts/names_pytorch.py's NameClassifier with the weights of examples/edge/names.safetensors,
exported for one name at a time (x [1, L] int64 character codes, L free) to probabilities [1, 18].

    /usr/bin/python3 scripts/names_onnx.py [out.onnx]    (default bench/edge/names.onnx)

One unpadded name needs no packing: the GRU's final states over its L steps are those of the
packed forward, so the graph is Embedding -> GRU -> Linear -> Softmax. The script checks that the
unpacked forward matches the packed one on a few names before it writes the file.
"""
import json
import struct
import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from names_pytorch import NameClassifier, encode_name  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = ROOT / "examples" / "edge" / "names.safetensors"


def load_safetensors(path):
    """A state dict from a safetensors file of float32 tensors (the safetensors package is not installed)."""
    data = path.read_bytes()
    (header_size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_size])
    body = data[8 + header_size:]
    state = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise ValueError(f"{name}: expected F32, got {entry['dtype']}")
        start, end = entry["data_offsets"]
        values = torch.frombuffer(bytearray(body[start:end]), dtype=torch.float32)
        state[name] = values.reshape(entry["shape"]).clone()
    return state


class OneName(nn.Module):
    """The classifier on one name, without packing, ending in probabilities."""

    def __init__(self, classifier):
        super().__init__()
        self.classifier = classifier

    def forward(self, x):
        _, h_n = self.classifier.gru(self.classifier.embedding(x))
        return self.classifier.fc(torch.cat([h_n[-2], h_n[-1]], 1)).softmax(1)


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "edge" / "names.onnx"
    state = load_safetensors(WEIGHTS)
    classifier = NameClassifier(hidden_size=state["gru.weight_hh_l0"].shape[1])
    classifier.load_state_dict(state, strict=True)
    classifier.eval()
    model = OneName(classifier).eval()
    with torch.no_grad():
        for name in ["Nguyen", "Rossi", "Dvorak", "O'Neill"]:
            codes = torch.tensor([encode_name(name)])
            packed = classifier(codes, torch.tensor([codes.shape[1]])).softmax(1)
            if not torch.allclose(model(codes), packed, atol=1e-6):
                raise AssertionError(f"the unpacked forward differs from the packed one on {name}")
        torch.onnx.export(model, torch.tensor([encode_name("Nguyen")]), str(out), input_names=["x"],
                          output_names=["probabilities"], dynamic_axes={"x": {1: "length"}}, opset_version=14)
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
