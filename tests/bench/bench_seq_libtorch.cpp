// tests/bench/bench_seq_libtorch.cpp — the transformer training step of tests/bench/bench_attn.c
// in libtorch C++ (Debian's libtorch-dev), one thread, the same model and loop:
//   token ids (B, 64) -> Embedding(65, 64) + a learned (64, 64) positional parameter;
//   2 Pre-LN causal blocks: x + out_proj(attn(in_proj(LN(x)))), x + W2 act(W1 LN(x)),
//   d_model 64, 4 heads, dim_feedforward 256; final LayerNorm; Linear(64, 65); Adam lr 1e-3;
//   cross-entropy (mean) over the B*64 positions; batch 16; act ReLU (gpt2l_relu) or exact
//   GELU (gpt2l_gelu).
// Attention is written as torch 1.13's MultiheadAttention computes it (and nanoGPT does):
// in_proj, split, view (B, H, T, D), q k^T * scale + causal mask, softmax, @ v, back to
// (B, T, E). Fresh batches walked through a pool; each rep restarts from the same
// parameters with a new optimizer; one warm-up rep.
// Prints per variant
//   libtorch <name> model: params P, buffers U, linear+attention MACs/sample M, FLOP/step F
// (M by bench_attn.c's formula: the Linear layers and the two attention products)
//   libtorch <name> bs16 adam: min X us/step, median Y us/step
//   libtorch <name> bs16 adam cpu: min X us/step, median Y us/step
// Usage: bench_seq_libtorch [reps [relu|gelu]] (default 7, both). Run with
// OPENBLAS_NUM_THREADS=1 (and OPENBLAS_CORETYPE on CPUs OpenBLAS does not know: platform.md;
// tests/bench/run.sh sets both, as for the other peers).
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

namespace nn = torch::nn;
namespace F = torch::nn::functional;

static const int64_t V = 65, T = 64, B = 16, D = 64, H = 4, FF = 256, NL = 2, STEPS = 40;

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

struct BlockImpl : nn::Module {
    nn::LayerNorm ln1{nullptr}, ln2{nullptr};
    nn::Linear in_proj{nullptr}, out_proj{nullptr}, lin1{nullptr}, lin2{nullptr};
    bool gelu;

    explicit BlockImpl(bool gelu_) : gelu(gelu_)
    {
        ln1 = register_module("ln1", nn::LayerNorm(nn::LayerNormOptions({D})));
        in_proj = register_module("in_proj", nn::Linear(D, 3 * D));
        out_proj = register_module("out_proj", nn::Linear(D, D));
        ln2 = register_module("ln2", nn::LayerNorm(nn::LayerNormOptions({D})));
        lin1 = register_module("lin1", nn::Linear(D, FF));
        lin2 = register_module("lin2", nn::Linear(FF, D));
    }

    torch::Tensor forward(torch::Tensor x, const torch::Tensor &mask)
    {
        auto qkv = in_proj(ln1(x)).chunk(3, -1);
        const int64_t hd = D / H;
        auto q = qkv[0].view({B, T, H, hd}).transpose(1, 2);
        auto k = qkv[1].view({B, T, H, hd}).transpose(1, 2);
        auto v = qkv[2].view({B, T, H, hd}).transpose(1, 2);
        auto att = torch::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt((double)hd)) + mask;
        att = torch::softmax(att, -1);
        auto y = torch::matmul(att, v).transpose(1, 2).contiguous().view({B, T, D});
        x = x + out_proj(y);
        auto h = lin1(ln2(x));
        h = gelu ? F::gelu(h) : torch::relu(h);
        return x + lin2(h);
    }
};
TORCH_MODULE(Block);

struct GptImpl : nn::Module {
    nn::Embedding tok{nullptr};
    nn::Linear head{nullptr};
    torch::Tensor pos;
    std::vector<Block> blocks;
    nn::LayerNorm lnf{nullptr};

    explicit GptImpl(bool gelu)
    {
        tok = register_module("tok", nn::Embedding(V, D));
        pos = register_parameter("pos", torch::randn({T, D}));
        for (int64_t l = 0; l < NL; l++)
            blocks.push_back(register_module("block" + std::to_string(l), Block(gelu)));
        lnf = register_module("lnf", nn::LayerNorm(nn::LayerNormOptions({D})));
        head = register_module("head", nn::Linear(D, V));
    }

    torch::Tensor forward(torch::Tensor x, const torch::Tensor &mask)
    {
        auto h = tok(x) + pos;
        for (auto &b : blocks)
            h = b->forward(h, mask);
        return head(lnf(h));
    }
};
TORCH_MODULE(Gpt);

static void bench(bool gelu, int reps)
{
    const char *name = gelu ? "gpt2l_gelu" : "gpt2l_relu";
    torch::manual_seed(2024);
    const int64_t rows = B * STEPS;
    auto X = torch::randint(V, {rows, T}, torch::kLong);
    auto Y = torch::randint(V, {rows, T}, torch::kLong);
    auto mask = torch::triu(torch::full({T, T}, -INFINITY), 1);
    torch::manual_seed(1);
    Gpt model(gelu);
    std::vector<torch::Tensor> init_p;
    int64_t nparams = 0, nbuffers = 0;
    for (auto &p : model->parameters()) {
        init_p.push_back(p.detach().clone());
        nparams += p.numel();
    }
    for (auto &b : model->buffers())
        nbuffers += b.numel();
    const int64_t macs = T * (NL * (D * 3 * D + D * D + 2 * D * FF) + D * V) + NL * 2 * T * T * D;
    std::printf("libtorch %s model: params %lld, buffers %lld, linear+attention MACs/sample %lld, FLOP/step %lld\n",
                name, (long long)nparams, (long long)nbuffers, (long long)macs, (long long)(3 * 2 * B * macs));
    std::vector<double> t, c;
    double loss_sum = 0.0;
    for (int r = 0; r <= reps; r++) {
        {
            torch::NoGradGuard ng;
            auto ps = model->parameters();
            for (size_t i = 0; i < ps.size(); i++)
                ps[i].copy_(init_p[i]);
        }
        torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
        double t0 = now_us(), c0 = cpu_us();
        for (int64_t s = 0; s < STEPS; s++) {
            auto xb = X.narrow(0, s * B, B);
            auto yb = Y.narrow(0, s * B, B);
            opt.zero_grad();
            auto logits = model->forward(xb, mask);
            auto loss = F::cross_entropy(logits.view({B * T, V}), yb.reshape({B * T}));
            loss.backward();
            opt.step();
            loss_sum += loss.item<double>();
        }
        double us = (now_us() - t0) / (double)STEPS, cus = (cpu_us() - c0) / (double)STEPS;
        if (r) {  // rep 0 is the warm-up
            t.push_back(us);
            c.push_back(cus);
        }
    }
    double min, med, cmin, cmed;
    min_median(t, &min, &med);
    min_median(c, &cmin, &cmed);
    std::printf("libtorch %s bs%lld adam: min %.2f us/step, median %.2f us/step\n", name, (long long)B, min,
                med);
    std::printf("libtorch %s bs%lld adam cpu: min %.2f us/step, median %.2f us/step\n", name, (long long)B,
                cmin, cmed);
    if (loss_sum != loss_sum)
        std::fprintf(stderr, "bench_seq_libtorch: loss is NaN\n");
    std::fflush(stdout);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? std::atoi(argv[1]) : 7;
    if (reps < 1)
        reps = 1;
    const char *only = argc > 2 ? argv[2] : "";
    at::set_num_threads(1);
    at::set_num_interop_threads(1);
    if (std::strcmp(only, "gelu"))
        bench(false, reps);
    if (std::strcmp(only, "relu"))
        bench(true, reps);
    return 0;
}
