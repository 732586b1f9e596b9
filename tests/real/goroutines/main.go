// goroutines: sixteen goroutines computing on the runtime's threads, a channel
// and a map; the Go runtime preempts them with signals and its threads
// hand work over through futexes.
package main

import (
	"fmt"
	"sync"
)

func work(id int, ch chan<- int, wg *sync.WaitGroup) {
	defer wg.Done()
	s := 0
	for i := 0; i < 3000000; i++ {
		s += (i * id) % 7
	}
	ch <- s
}

func main() {
	ch := make(chan int, 16)
	var wg sync.WaitGroup
	for i := 1; i <= 16; i++ {
		wg.Add(1)
		go work(i, ch, &wg)
	}
	wg.Wait()
	close(ch)
	t := 0
	for v := range ch {
		t += v
	}
	m := map[string]int{}
	for i := 0; i < 100000; i++ {
		m[fmt.Sprint(i%1000)] += i
	}
	fmt.Println("total", t, len(m))
}
