// tests/bench/bench_libtorch.cpp — the loops of bench_step.c and the 100-run sweep in
// libtorch C++ (Debian's libtorch-dev), one thread, for make bench.
//
// Per workload: fresh batches walked sequentially (each rep uses every row once), every rep
// from the same initial parameters and a new optimizer, one warm-up rep; prints
//   libtorch <name> bs<B> <opt>: min X us/step, median Y us/step
//   libtorch <name> bs<B> <opt> cpu: min X us/step, median Y us/step  (the process's CPU time)
// Then the sweep: 100 runs x 100 steps of the seed MLP (Adam, lrs log-spaced, fresh data
// per run), as a plain loop reading each step's loss as a logging loop would:
//   libtorch sweep_seed100: min X s, median Y s
// Usage: bench_libtorch [reps]
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

static double now_us()
{
    return std::chrono::duration<double, std::micro>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// the process's CPU time in microseconds, all threads (not the time other processes took the core)
static double cpu_us()
{
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

static void min_median(std::vector<double> &t, double *min, double *med)
{
    std::sort(t.begin(), t.end());
    *min = t[0];
    *med = t.size() % 2 ? t[t.size() / 2] : 0.5 * (t[t.size() / 2 - 1] + t[t.size() / 2]);
}

static torch::nn::Sequential make_mlp(const std::vector<int64_t> &sizes)
{
    torch::nn::Sequential m;
    for (size_t i = 0; i + 1 < sizes.size(); i++) {
        if (i)
            m->push_back(torch::nn::ReLU());
        m->push_back(torch::nn::Linear(sizes[i], sizes[i + 1]));
    }
    return m;
}

struct Workload {
    const char *name;
    std::vector<int64_t> sizes;
    int64_t batch, steps;
    bool adam;
};

static void bench(const Workload &w, int reps)
{
    torch::manual_seed(2024);
    const int64_t rows = w.batch * w.steps;
    auto X = torch::randn({rows, w.sizes.front()});
    auto Y = torch::randint(w.sizes.back(), {rows}, torch::kLong);
    torch::manual_seed(1);
    auto model = make_mlp(w.sizes);
    std::vector<torch::Tensor> init;
    for (auto &p : model->parameters())
        init.push_back(p.detach().clone());
    std::vector<double> t, c;
    for (int r = 0; r <= reps; r++) {
        {
            torch::NoGradGuard ng;
            auto ps = model->parameters();
            for (size_t i = 0; i < ps.size(); i++)
                ps[i].copy_(init[i]);
        }
        std::unique_ptr<torch::optim::Optimizer> opt;
        if (w.adam)
            opt = std::make_unique<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(1e-3));
        else
            opt = std::make_unique<torch::optim::SGD>(model->parameters(),
                                                       torch::optim::SGDOptions(0.01).momentum(0.9));
        double t0 = now_us(), c0 = cpu_us();
        for (int64_t s = 0; s < w.steps; s++) {
            auto xb = X.narrow(0, s * w.batch, w.batch);
            auto yb = Y.narrow(0, s * w.batch, w.batch);
            opt->zero_grad();
            auto loss = torch::nn::functional::cross_entropy(model->forward(xb), yb);
            loss.backward();
            opt->step();
        }
        double us = (now_us() - t0) / (double)w.steps, cus = (cpu_us() - c0) / (double)w.steps;
        if (r) {  // rep 0 is the warm-up
            t.push_back(us);
            c.push_back(cus);
        }
    }
    double min, med, cmin, cmed;
    min_median(t, &min, &med);
    min_median(c, &cmin, &cmed);
    std::printf("libtorch %s bs%lld %s: min %.2f us/step, median %.2f us/step\n", w.name,
                (long long)w.batch, w.adam ? "adam" : "sgd", min, med);
    std::printf("libtorch %s bs%lld %s cpu: min %.2f us/step, median %.2f us/step\n", w.name,
                (long long)w.batch, w.adam ? "adam" : "sgd", cmin, cmed);
    std::fflush(stdout);
}

static double sweep_once()
{
    double t0 = now_us();
    double sink = 0.0;
    for (int seed = 1; seed <= 10; seed++)
        for (int i = 0; i < 10; i++) {
            double lr = std::pow(10.0, -4.0 + 3.0 * i / 9.0);
            torch::manual_seed(seed);
            auto centres = 3 * torch::randn({2, 10});
            auto y = torch::arange(1000, torch::kLong).remainder(2);
            auto x = centres.index_select(0, y) + torch::randn({1000, 10});
            auto model = make_mlp({10, 50, 100, 2});
            torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(lr));
            auto perm = torch::randperm(1000, torch::kLong);
            for (int s = 0; s < 100; s++) {
                auto b = perm.narrow(0, s * 10, 10);
                opt.zero_grad();
                auto loss = torch::nn::functional::cross_entropy(model->forward(x.index_select(0, b)),
                                                                 y.index_select(0, b));
                loss.backward();
                opt.step();
                sink += loss.item<double>();
            }
        }
    if (!(sink == sink))
        std::fprintf(stderr, "bench_libtorch: sweep loss is NaN\n");
    return (now_us() - t0) * 1e-6;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? std::atoi(argv[1]) : 7;
    at::set_num_threads(1);
    at::set_num_interop_threads(1);
    const Workload ws[] = {
        {"mlp_10_50_100_2", {10, 50, 100, 2}, 10, 2000, true},
        {"linear_10_2", {10, 2}, 10, 2000, true},
        {"mlp_64_256_256_10", {64, 256, 256, 10}, 64, 200, false},
        {"mlp_784_512_512_10", {784, 512, 512, 10}, 128, 40, false},
    };
    for (const auto &w : ws)
        bench(w, reps);
    std::vector<double> t;
    sweep_once();  // warm-up
    for (int r = 0; r < 3; r++)
        t.push_back(sweep_once());
    std::sort(t.begin(), t.end());
    std::printf("libtorch sweep_seed100: min %.4f s, median %.4f s\n", t[0], t[1]);
    return 0;
}
