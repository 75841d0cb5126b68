using Astromech.Nn;
using TorchSharp;
using static TorchSharp.torch;
using static Astromech.Returns.ReturnTensors;

namespace Astromech.Returns;

public static partial class VTrace
{
    /// <summary>
    /// The tensor twin of <see cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float}, Span{float}, float, float, float, float)"/>:
    /// V-trace targets v_t and policy-gradient advantages on [T,B] tensors with the graph kept, differentiable by the
    /// discounts (γ), λ (a scalar, [T] or [T,B]), the values and the log-ratios (through the untruncated ratios only,
    /// as min(ρ̄, ·) is flat where it clips). Learners that want the usual stop-gradient targets detach the results.
    /// </summary>
    public static (Tensor Vs, Tensor PgAdvantages) Compute(Tensor logRhos, Tensor discounts, Tensor rewards, Tensor values,
        Tensor bootstrap, Tensor lambda, double rhoBar = 1, double cBar = 1, double pgRhoBar = 1)
    {
        var (steps, envs) = Shape(rewards, nameof(rewards));
        using var scope = NewDisposeScope();
        if (!(rhoBar > 0)) throw new ArgumentOutOfRangeException(nameof(rhoBar), rhoBar, "V-trace needs ρ̄ > 0");
        if (!(cBar > 0)) throw new ArgumentOutOfRangeException(nameof(cBar), cBar, "V-trace needs c̄ > 0");
        if (!(pgRhoBar > 0)) throw new ArgumentOutOfRangeException(nameof(pgRhoBar), pgRhoBar, "V-trace needs ρ̄_pg > 0");
        if (cBar > rhoBar) throw new ArgumentException($"V-trace assumes ρ̄ ≥ c̄; got rhoBar = {rhoBar}, cBar = {cBar}", nameof(cBar));
        CheckUnit(lambda, "V-trace");
        if (bootstrap.dim() != 1 || bootstrap.shape[0] != envs)
            throw new ArgumentException($"bootstrap must hold one value per env copy [{envs}]; got shape [{string.Join(", ", bootstrap.shape)}]", nameof(bootstrap));
        var r = rewards.to_type(ScalarType.Float64);
        var d = Same(discounts, steps, envs, nameof(discounts));
        var v = Same(values, steps, envs, nameof(values));
        var ratio = Same(logRhos, steps, envs, nameof(logRhos)).exp();
        var lam = Grid(lambda, steps, envs, nameof(lambda));
        var rho = ratio.clamp_max(Scalars.Of(rhoBar));
        var c = lam * ratio.clamp_max(Scalars.Of(cBar));
        var pgRho = ratio.clamp_max(Scalars.Of(pgRhoBar));
        var boot = bootstrap.to_type(ScalarType.Float64);
        var vNext = steps == 0 ? v : torch.cat(new[] { v.narrow(0, 1, steps - 1), boot.unsqueeze(0) }, 0); // V_{t+1}
        var delta = rho * (r.Plus(d * vNext) - v);
        var pgRows = new Tensor[steps];
        Tensor acc = torch.zeros(envs, ScalarType.Float64); // v_{t+1} − V_{t+1}
        var vs = Backward(steps, envs, t =>
        {
            pgRows[t] = pgRho[t] * (r[t].Plus(d[t] * vNext[t].Plus(acc)) - v[t]);
            acc = delta[t].Plus(d[t] * c[t] * acc);
            return v[t].Plus(acc);
        });
        var pg = steps == 0 ? torch.zeros(0, envs, ScalarType.Float64) : torch.stack(pgRows, 0);
        return (vs.to_type(rewards.dtype).MoveToOuterDisposeScope(), pg.to_type(rewards.dtype).MoveToOuterDisposeScope());
    }
}
