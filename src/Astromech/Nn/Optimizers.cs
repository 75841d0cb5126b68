using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Astromech.Nn;

/// <summary>
/// RMSProp and Adam with the same update rule, options and state as TorchSharp's (so checkpoints written by
/// either load in the other), but whose step keeps every native scalar it passes to libtorch alive until the
/// op has returned (see <see cref="Scalars"/> for why TorchSharp's own step is unsafe while other threads
/// allocate). The actor-critic agents use these; single-threaded agents may too.
/// </summary>
public static class Optimizers
{
    public static TorchSharp.Modules.RMSProp NewRmsProp(IEnumerable<Parameter> parameters, double lr, double alpha = 0.99, double eps = 1e-8, bool centered = false) =>
        new RMSProp(parameters, lr, alpha, eps, centered);

    public static TorchSharp.Modules.Adam NewAdam(IEnumerable<Parameter> parameters, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8) =>
        new Adam(parameters, lr, beta1, beta2, eps);

    // Named like TorchSharp's classes on purpose: the optimizer state stream records the type name, so state
    // written by one loads into the other.
    private sealed class RMSProp(IEnumerable<Parameter> parameters, double lr, double alpha, double eps, bool centered)
        : TorchSharp.Modules.RMSProp(parameters, lr, alpha, eps, centered: centered)
    {
        public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
        {
            var o = group.Options;
            double a = o.alpha!.Value, wd = o.weight_decay!.Value, m = o.momentum!.Value;
            using Scalar alphaS = a.ToScalar(), oneMinusAlpha = (1.0 - a).ToScalar(), epsS = o.eps!.Value.ToScalar(),
                wdS = wd.ToScalar(), momS = m.ToScalar(), minusOne = (-1.0).ToScalar(), negLr = (-o.LearningRate!.Value).ToScalar();
            foreach (var p in group.Parameters)
            {
                var st = (State)_state[p.Handle];
                var g = p.grad;
                if (g is null) continue;
                if (o.maximize!.Value) g = -g;
                st.step++;
                if (wd != 0) g = g.add(p, wdS);
                st.square_avg.mul_(alphaS).addcmul_(g, g, oneMinusAlpha);
                Tensor avg;
                if (o.centered!.Value)
                {
                    st.grad_avg.mul_(alphaS).add_(g, oneMinusAlpha);
                    avg = st.square_avg.addcmul(st.grad_avg, st.grad_avg, minusOne).sqrt_().add_(epsS, Scalars.One);
                }
                else avg = st.square_avg.sqrt().add_(epsS, Scalars.One);
                if (m > 0)
                {
                    st.momentum_buffer.mul_(momS).addcdiv_(g, avg);
                    p.add_(st.momentum_buffer, negLr);
                }
                else p.addcdiv_(g, avg, negLr);
            }
        }, closure);
    }

    private sealed class Adam(IEnumerable<Parameter> parameters, double lr, double beta1, double beta2, double eps)
        : TorchSharp.Modules.Adam(parameters, lr, beta1, beta2, eps)
    {
        public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
        {
            var o = group.Options;
            double b1 = o.beta1!.Value, b2 = o.beta2!.Value, wd = o.weight_decay!.Value, lr = o.LearningRate!.Value;
            using Scalar b1S = b1.ToScalar(), oneMinusB1 = (1.0 - b1).ToScalar(), b2S = b2.ToScalar(),
                oneMinusB2 = (1.0 - b2).ToScalar(), epsS = o.eps!.Value.ToScalar(), wdS = wd.ToScalar();
            foreach (var p in group.Parameters)
            {
                var st = (State)_state[p.Handle];
                var g = p.grad;
                if (g is null) continue;
                if (o.maximize!.Value) g = -g;
                st.step++;
                double bc1 = 1.0 - Math.Pow(b1, st.step), bc2 = 1.0 - Math.Pow(b2, st.step);
                if (wd != 0) g = g.add(p, wdS);
                st.exp_avg.mul_(b1S).add_(g, oneMinusB1);
                st.exp_avg_sq.mul_(b2S).addcmul_(g, g, oneMinusB2);
                using Scalar sqrtBc2 = Math.Sqrt(bc2).ToScalar(), negStep = (-lr / bc1).ToScalar();
                Tensor denom;
                if (o.amsgrad!.Value)
                {
                    var old = st.max_exp_avg_sq;
                    st.max_exp_avg_sq = maximum(old, st.exp_avg_sq).DetachFromDisposeScope();
                    old.Dispose();
                    denom = st.max_exp_avg_sq.sqrt().div_(sqrtBc2).add_(epsS, Scalars.One);
                }
                else denom = st.exp_avg_sq.sqrt().div_(sqrtBc2).add_(epsS, Scalars.One);
                p.addcdiv_(st.exp_avg, denom, negStep);
            }
        }, closure);
    }
}
