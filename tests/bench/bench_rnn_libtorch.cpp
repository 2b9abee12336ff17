// tests/bench/bench_rnn_libtorch.cpp — the LSTM training step of tests/bench/bench_rnn.c in
// libtorch C++ (Debian's libtorch-dev), one thread: x (16, 32, 32) batch-first,
// LSTM(32, 128), the last hidden state -> Linear(128, 10) -> cross-entropy (mean), SGD lr
// 0.01. One step: zero_grad, forward, loss, backward, SGD step, on fresh batches walked
// sequentially through a pool; every rep restarts from the same parameters with a new
// optimizer; one warm-up rep. Prints
//   libtorch lstm model: params P, buffers U, lstm+linear MACs/sample M, FLOP/step F
//   libtorch lstm bs16 sgd: min X us/step, median Y us/step
//   libtorch lstm bs16 sgd cpu: min X us/step, median Y us/step  (the process's CPU time)
// Usage: bench_rnn_libtorch [reps] (default 7). Run it with OPENBLAS_NUM_THREADS=1 and, on
// AVX-512 machines, OPENBLAS_CORETYPE (tests/bench/run.sh sets both as for the other peers:
// COOPERLAKE, or SKYLAKEX without AVX512-BF16; platform.md).
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

namespace nn = torch::nn;

static const int64_t B = 16, L = 32, I = 32, H = 128, K = 10, STEPS = 50;

static double now_us()
{
    return std::chrono::duration<double, std::micro>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

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

struct NetImpl : nn::Module {
    nn::LSTM lstm{nullptr};
    nn::Linear head{nullptr};
    NetImpl()
    {
        lstm = register_module("lstm", nn::LSTM(nn::LSTMOptions(I, H).batch_first(true)));
        head = register_module("head", nn::Linear(H, K));
    }
    torch::Tensor forward(torch::Tensor x)
    {
        auto out = std::get<0>(lstm->forward(x));
        return head->forward(out.select(1, L - 1));
    }
};
TORCH_MODULE(Net);

int main(int argc, char **argv)
{
    int reps = argc > 1 ? std::atoi(argv[1]) : 7;
    if (reps < 1)
        reps = 1;
    at::set_num_threads(1);
    at::set_num_interop_threads(1);
    torch::manual_seed(2024);
    auto X = torch::randn({B * STEPS, L, I});
    auto Y = torch::randint(K, {B * STEPS}, torch::kLong);
    torch::manual_seed(1);
    Net model;
    std::vector<torch::Tensor> init_p;
    int64_t nparams = 0, nbuffers = 0;
    for (auto &p : model->parameters()) {
        init_p.push_back(p.detach().clone());
        nparams += p.numel();
    }
    for (auto &b : model->buffers())
        nbuffers += b.numel();
    const int64_t macs = L * 4 * H * (I + H) + H * K;
    const double flops = 3.0 * 2.0 * B * (double)macs;
    std::printf("libtorch lstm model: params %lld, buffers %lld, lstm+linear MACs/sample %lld, FLOP/step %.0f\n",
                (long long)nparams, (long long)nbuffers, (long long)macs, flops);
    std::vector<double> t, c;
    for (int r = 0; r <= reps; r++) {
        {
            torch::NoGradGuard ng;
            auto ps = model->parameters();
            for (size_t i = 0; i < ps.size(); i++)
                ps[i].copy_(init_p[i]);
        }
        torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.01));
        double t0 = now_us(), c0 = cpu_us();
        for (int64_t s = 0; s < STEPS; s++) {
            auto xb = X.narrow(0, s * B, B);
            auto yb = Y.narrow(0, s * B, B);
            opt.zero_grad();
            auto loss = torch::nn::functional::cross_entropy(model->forward(xb), yb);
            loss.backward();
            opt.step();
        }
        double us = (now_us() - t0) / (double)STEPS, cus = (cpu_us() - c0) / (double)STEPS;
        if (r) {
            t.push_back(us);
            c.push_back(cus);
        }
    }
    double min, med, cmin, cmed;
    min_median(t, &min, &med);
    min_median(c, &cmin, &cmed);
    std::printf("libtorch lstm bs%lld sgd: min %.2f us/step, median %.2f us/step, %.2f GFLOP/s\n",
                (long long)B, min, med, flops / (min * 1e3));
    std::printf("libtorch lstm bs%lld sgd cpu: min %.2f us/step, median %.2f us/step\n", (long long)B,
                cmin, cmed);
    std::fflush(stdout);
    return 0;
}
