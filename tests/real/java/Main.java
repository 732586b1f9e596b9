// A small Java program: the JVM's own threads (JIT compilers, GC), a pool
// of two computing threads, a synchronized counter and a file written and
// read back.
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class Main {
	private static long shared;

	private static synchronized void add(long v) {
		shared += v;
	}

	private static long work(int seed) {
		long s = 0;
		for (int i = 0; i < 30_000_000; i++) {
			s = (s + (long) i * seed % 1_000_003) % 1_000_000_007L;
			if (i % 1_000_000 == 0)
				add(1);
		}
		return s;
	}

	public static void main(String[] args) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(2);
		Future<Long> a = pool.submit(() -> work(7));
		Future<Long> b = pool.submit(() -> work(11));
		System.out.println("pool: " + a.get() + " " + b.get() + " counter " + shared);
		pool.shutdown();
		Path f = Files.createTempFile("rewind-java", ".txt");
		Files.writeString(f, "written " + shared);
		System.out.println("file: " + Files.readString(f));
		Files.delete(f);
		System.out.println("EXIT-SUCCESS");
	}
}
