import { runQuality } from './quality';
import { runSpeed } from './speed';
import { writeShared } from './data';

/** Our side of the benchmark: writes the shared matrices for the Python peer, then `.mlops/bench/ours.json`. */
async function main(): Promise<void> {
  console.log('quality: seattle-weather and penguins (ours)');
  const quality = await runQuality();
  for (const q of quality) console.log(`  ${q.dataset} ${q.model}: ${JSON.stringify(q.metrics)}`);
  console.log('speed: flights-200k (ours)');
  const speed = await runSpeed((line) => console.log(line));
  for (const s of speed) {
    console.log(
      `  ${s.config}: train ${Math.round(s.trainSamplesPerSecond)} samples/s, ` +
        `ONNX ${Math.round(s.inferenceRowsPerSecond)} rows/s (max |ONNX − TS| ${s.onnxMaxAbsDiff.toExponential(1)})`,
    );
  }
  console.log(`wrote ${writeShared('ours.json', { quality, speed })}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
