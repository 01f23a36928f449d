// What every consumer of the installed package computes, with 'webtorch' and with 'webtorch/edge':
// a matmul, and a Linear layer's forward on weights it is given. test/runtimes/package.test.ts
// knows the answers.
export async function compute(torch) {
  const a = torch.tensor([
    [1, 2],
    [3, 4],
  ]);
  const b = torch.tensor([
    [5, 6],
    [7, 8],
  ]);
  const linear = new torch.nn.Linear(2, 2);
  linear.loadStateDict({
    weight: torch.tensor([
      [1, 2],
      [3, 4],
    ]),
    bias: torch.tensor([0.5, -0.5]),
  });
  const input = torch.tensor([
    [1, 1],
    [2, -1],
  ]);
  const output = torch.noGrad(() => linear.forward(input));
  return { matmul: await torch.matmul(a, b).tolist(), linear: await output.tolist() };
}
