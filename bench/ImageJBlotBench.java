// Times ImageJ's BackgroundSubtracter on a blot image (bench/blot.sh): rolling ball and sliding
// paraboloid, radius 50, light background off, smoothing on. Three warm-up runs for the JIT, then
// the median of REPEATS, each on a fresh copy of the image.
import ij.ImagePlus;
import ij.plugin.filter.BackgroundSubtracter;
import ij.process.ImageProcessor;
import java.util.Arrays;

public class ImageJBlotBench {
    public static void main(String[] args) {
        ImageProcessor original = new ImagePlus(args[0]).getProcessor();
        int repeats = Integer.parseInt(args[1]);
        for (boolean paraboloid : new boolean[] {false, true}) {
            double[] times = new double[repeats];
            double sum = 0;
            for (int i = -3; i < repeats; i++) {
                ImageProcessor ip = original.duplicate();
                long start = System.nanoTime();
                new BackgroundSubtracter().rollingBallBackground(ip, 50, false, false, paraboloid, true, true);
                if (i >= 0) times[i] = (System.nanoTime() - start) / 1e6;
                sum = 0;
                for (int p = 0; p < ip.getPixelCount(); p++) sum += ip.get(p);
            }
            Arrays.sort(times);
            System.out.printf("%s median_ms %.2f sum %.0f%n", paraboloid ? "paraboloid_r50" : "rolling_ball_r50", times[repeats / 2], sum);
        }
    }
}
