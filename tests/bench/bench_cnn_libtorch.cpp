// tests/bench/bench_cnn_libtorch.cpp — the CNN training steps of tests/bench/CNN.md in
// libtorch C++ (Debian's libtorch-dev), one thread; the same workloads and loop as
// bench_cnn_torch.py:
//   lenet   1x8x8, batch 64, SGD lr 0.01 momentum 0.9: conv3x3(1,6) ReLU maxpool2
//           conv3x3(6,16) ReLU maxpool2 flatten Linear(64,120) ReLU Linear(120,84) ReLU
//           Linear(84,10)
//   resnet  3x32x32, batch 32, SGD lr 0.05 momentum 0.9: stem conv3x3(3,16, no bias) BN
//           ReLU; BasicBlocks (16->16,s1) (16->32,s2) (32->32,s1) (32->64,s2);
//           AdaptiveAvgPool2d(1) flatten Linear(64,10)
// One step: zero_grad, forward, cross-entropy (mean), backward, SGD step, on fresh batches
// walked sequentially through a pool (each rep uses every batch once); every rep restarts
// from the same parameters and BatchNorm buffers with a new optimizer; one warm-up rep.
// Prints per workload
//   libtorch <name> model: params P, buffers U, conv+linear MACs/sample M, FLOP/step F
//   libtorch <name> bs<B> sgd: min X us/step, median Y us/step
//   libtorch <name> bs<B> sgd cpu: min X us/step, median Y us/step  (the process's CPU time)
// (F = 3 * 2 * B * M: forward 2*MACs, backward twice that, conv and Linear layers only.)
// Usage: bench_cnn_libtorch [reps] (default 7)
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

namespace nn = torch::nn;

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

static nn::Conv2d conv(int64_t cin, int64_t cout, int64_t k, int64_t stride, int64_t pad, bool bias)
{
    return nn::Conv2d(nn::Conv2dOptions(cin, cout, k).stride(stride).padding(pad).bias(bias));
}

struct BasicBlockImpl : nn::Module {
    nn::Conv2d conv1{nullptr}, conv2{nullptr};
    nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
    nn::Sequential shortcut;

    BasicBlockImpl(int64_t cin, int64_t cout, int64_t stride)
    {
        conv1 = register_module("conv1", conv(cin, cout, 3, stride, 1, false));
        bn1 = register_module("bn1", nn::BatchNorm2d(cout));
        conv2 = register_module("conv2", conv(cout, cout, 3, 1, 1, false));
        bn2 = register_module("bn2", nn::BatchNorm2d(cout));
        if (stride != 1 || cin != cout) {
            shortcut->push_back(conv(cin, cout, 1, stride, 0, false));
            shortcut->push_back(nn::BatchNorm2d(cout));
        }
        register_module("shortcut", shortcut);
    }

    torch::Tensor forward(torch::Tensor x)
    {
        auto h = torch::relu(bn1(conv1(x)));
        h = bn2(conv2(h));
        return torch::relu(h + (shortcut->is_empty() ? x : shortcut->forward(x)));
    }
};
TORCH_MODULE(BasicBlock);

struct BlockSpec {
    int64_t cin, cout, stride;
};
static const BlockSpec RESNET_BLOCKS[] = {{16, 16, 1}, {16, 32, 2}, {32, 32, 1}, {32, 64, 2}};

static nn::Sequential make_lenet()
{
    nn::Sequential m(conv(1, 6, 3, 1, 1, true), nn::ReLU(), nn::MaxPool2d(2),
                     conv(6, 16, 3, 1, 1, true), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
                     nn::Linear(64, 120), nn::ReLU(), nn::Linear(120, 84), nn::ReLU(),
                     nn::Linear(84, 10));
    return m;
}

static nn::Sequential make_resnet()
{
    nn::Sequential m(conv(3, 16, 3, 1, 1, false), nn::BatchNorm2d(16), nn::ReLU());
    for (const auto &b : RESNET_BLOCKS)
        m->push_back(BasicBlock(b.cin, b.cout, b.stride));
    m->push_back(nn::AdaptiveAvgPool2d(1));
    m->push_back(nn::Flatten());
    m->push_back(nn::Linear(64, 10));
    return m;
}

// multiply-adds of one sample: a k x k convolution to cout x h x w, a Linear in -> out
static int64_t conv_macs(int64_t cin, int64_t cout, int64_t k, int64_t h, int64_t w)
{
    return cout * h * w * cin * k * k;
}

static int64_t lenet_macs()
{
    return conv_macs(1, 6, 3, 8, 8) + conv_macs(6, 16, 3, 4, 4) + 64 * 120 + 120 * 84 + 84 * 10;
}

static int64_t resnet_macs()
{
    int64_t m = conv_macs(3, 16, 3, 32, 32), hw = 32;
    for (const auto &b : RESNET_BLOCKS) {
        hw /= b.stride;  // 3x3 pad 1 and 1x1 pad 0 both give ceil(hw / stride) = hw / stride here
        m += conv_macs(b.cin, b.cout, 3, hw, hw) + conv_macs(b.cout, b.cout, 3, hw, hw);
        if (b.stride != 1 || b.cin != b.cout)
            m += conv_macs(b.cin, b.cout, 1, hw, hw);
    }
    return m + 64 * 10;
}

struct Workload {
    const char *name;
    nn::Sequential (*make)();
    int64_t (*macs)();
    std::vector<int64_t> shape;  // C, H, W
    int64_t batch, steps;
    double lr;
};

static void bench(const Workload &w, int reps)
{
    torch::manual_seed(2024);
    const int64_t rows = w.batch * w.steps;
    auto X = torch::randn({rows, w.shape[0], w.shape[1], w.shape[2]});
    auto Y = torch::randint(10, {rows}, torch::kLong);
    torch::manual_seed(1);
    auto model = w.make();
    std::vector<torch::Tensor> init_p, init_b;
    int64_t nparams = 0, nbuffers = 0;
    for (auto &p : model->parameters()) {
        init_p.push_back(p.detach().clone());
        nparams += p.numel();
    }
    for (auto &b : model->buffers()) {  // BatchNorm running statistics and batch counters
        init_b.push_back(b.clone());
        if (b.is_floating_point())
            nbuffers += b.numel();
    }
    const int64_t macs = w.macs(), flops = 3 * 2 * w.batch * macs;
    std::printf("libtorch %s model: params %lld, buffers %lld, conv+linear MACs/sample %lld, FLOP/step %lld\n",
                w.name, (long long)nparams, (long long)nbuffers, (long long)macs, (long long)flops);
    std::vector<double> t, c;
    for (int r = 0; r <= reps; r++) {
        {
            torch::NoGradGuard ng;
            auto ps = model->parameters();
            for (size_t i = 0; i < ps.size(); i++)
                ps[i].copy_(init_p[i]);
            auto bs = model->buffers();
            for (size_t i = 0; i < bs.size(); i++)
                bs[i].copy_(init_b[i]);
        }
        torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(w.lr).momentum(0.9));
        double t0 = now_us(), c0 = cpu_us();
        for (int64_t s = 0; s < w.steps; s++) {
            auto xb = X.narrow(0, s * w.batch, w.batch);
            auto yb = Y.narrow(0, s * w.batch, w.batch);
            opt.zero_grad();
            auto loss = torch::nn::functional::cross_entropy(model->forward(xb), yb);
            loss.backward();
            opt.step();
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
    std::printf("libtorch %s bs%lld sgd: min %.2f us/step, median %.2f us/step\n", w.name,
                (long long)w.batch, min, med);
    std::printf("libtorch %s bs%lld sgd cpu: min %.2f us/step, median %.2f us/step\n", w.name,
                (long long)w.batch, cmin, cmed);
    std::fflush(stdout);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? std::atoi(argv[1]) : 7;
    if (reps < 1)
        reps = 1;
    at::set_num_threads(1);
    at::set_num_interop_threads(1);
    const Workload ws[] = {
        {"lenet", make_lenet, lenet_macs, {1, 8, 8}, 64, 400, 0.01},
        {"resnet", make_resnet, resnet_macs, {3, 32, 32}, 32, 20, 0.05},
    };
    for (const auto &w : ws)
        bench(w, reps);
    return 0;
}
