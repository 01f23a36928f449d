// The training run every runtime test performs (Deno, Chromium, Node): a small MLP regression,
// the same model and data on each device, so a test can check that the devices agree and that the
// loss falls. It takes the webtorch module as an argument because each runtime imports its own
// bundle (dist/deno.js, dist/browser.js).

const STEPS = 8;

/**
 * Trains the same MLP on each available device from identical parameters and data; returns the
 * loss before each step and the gradient of the first weight after the first backward, per device.
 */
export async function trainOnEachDevice(torch) {
  const devices = ['cpu'];
  if (await torch.webgpu.isAvailable()) {
    await torch.webgpu.init();
    devices.push('webgpu');
  }
  torch.manualSeed(0);
  const { nn } = torch;
  const inputs = torch.randn(64, 8);
  const targets = inputs.narrow(1, 0, 4).sum(1, true).sin();
  const template = new nn.Sequential(new nn.Linear(8, 16), new nn.Tanh(), new nn.Linear(16, 1));
  const results = {};
  for (const device of devices) {
    const model = new nn.Sequential(new nn.Linear(8, 16), new nn.Tanh(), new nn.Linear(16, 1));
    model.loadStateDict(template.stateDict());
    model.to(device);
    const x = inputs.to(device);
    const y = targets.to(device);
    const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.2, momentum: 0.9 });
    const lossFn = new nn.MSELoss();
    const losses = [];
    let firstGradient = null;
    for (let step = 0; step < STEPS; step++) {
      optimizer.zeroGrad();
      const loss = lossFn.forward(model.forward(x), y);
      loss.backward();
      firstGradient ??= Array.from(await model.parameters()[0].grad.data());
      optimizer.step();
      losses.push(await loss.item());
      loss.dispose();
    }
    results[device] = { losses, firstGradient };
  }
  return results;
}
