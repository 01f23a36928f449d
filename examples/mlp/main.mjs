// Fits a small MLP to y = sin(3x) + noise with plain tensor ops, autograd and a hand-written SGD
// step: the foundation of webtorch end to end. Run: npm run demo
import * as torch from '../../dist/node.js';

torch.manualSeed(0);
const samples = 512;
const x = torch.linspace(-1, 1, samples).unsqueeze(1);                  // [512, 1]
const y = x.mul(3).sin().add(torch.randn(samples, 1).mul(0.05));       // [512, 1]

const hidden = 64;
const parameters = [
  torch.randn(1, hidden).mul(1.0).requiresGrad_(),                      // w1
  torch.zeros(hidden, { requiresGrad: true }),                         // b1
  torch.randn(hidden, hidden).mul(1 / Math.sqrt(hidden)).requiresGrad_(),
  torch.zeros(hidden, { requiresGrad: true }),
  torch.randn(hidden, 1).mul(1 / Math.sqrt(hidden)).requiresGrad_(),
  torch.zeros(1, { requiresGrad: true }),
];
const [w1, b1, w2, b2, w3, b3] = parameters;
const forward = (input) => input.matmul(w1).add(b1).tanh().matmul(w2).add(b2).tanh().matmul(w3).add(b3);

const learningRate = 0.1;
const momentum = 0.9;
const velocity = parameters.map((p) => torch.zerosLike(p));
const start = performance.now();
for (let step = 0; step <= 2000; step++) {
  const loss = torch.scope(() => {
    const loss = forward(x).sub(y).pow(2).mean();
    loss.backward();
    torch.noGrad(() => {
      parameters.forEach((p, i) => {
        velocity[i].mul_(momentum).add_(p.grad);
        p.sub_(velocity[i].mul(learningRate));
        p.grad.zero_();
      });
    });
    return loss;
  });
  if (step % 250 === 0) console.log(`step ${String(step).padStart(4)}  mse ${(await loss.item()).toFixed(5)}`);
  loss.dispose();
}
const seconds = (performance.now() - start) / 1000;
const probe = torch.tensor([[-0.5], [0], [0.5]]);
const predicted = await torch.noGrad(() => forward(probe)).tolist();
console.log(`\ntrained in ${seconds.toFixed(1)} s; f(-0.5, 0, 0.5) = ${predicted.map((v) => v[0].toFixed(3)).join(', ')}`);
console.log(`sin(3x) at the same points     = ${[-0.5, 0, 0.5].map((v) => Math.sin(3 * v).toFixed(3)).join(', ')}`);
console.log(`live tensors: ${torch.memory().tensors}, wasm bytes in use: ${torch.memory().bytes.cpu}`);
